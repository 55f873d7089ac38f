import type { RequestHandler, Response } from "express";
import helmet from "helmet";

/**
 * The site-wide security headers (helmet): a strict Content-Security-Policy, nosniff, no referrer.
 * Scripts come from this origin's files only: no page has an inline script that runs (the props a
 * page hydrates with and the JSON-LD are data blocks, `type="application/json"`, which browsers
 * never execute and CSP does not govern), so an injected inline script runs nowhere with no nonce
 * and no hash, and a page can be the same bytes for every reader (a CDN may keep it; DESIGN.md §6).
 * Should a page ever need an inline script, its sha256 goes into script-src, never a nonce.
 * Inline event handlers are refused (script-src-attr 'none'), and nothing but our own origin may
 * frame a page. The embed page and the desk narrow or widen frame-ancestors for themselves.
 * No page frames anything (frame-src falls back to default-src 'self') unless it shows embeds:
 * see allowFrames.
 */
export function securityHeaders(options: { https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'self'"],
        // Sockets go to this origin; plain-http deployments (a laptop, behind a TLS proxy) must not be upgraded.
        connectSrc: ["'self'"],
        upgradeInsecureRequests: options.https ? [] : null,
      },
    },
    // Links out of a story (and out of a publisher's page, through the widget) say nothing about where they came from.
    referrerPolicy: { policy: "no-referrer" },
  });
}

/**
 * Lets this response's page frame exactly `origins` (the embeds it shows: shared/embed-frames.ts
 * frameOrigins), nothing wider; with none, the policy stays as it was. Origins come from
 * embedFrame, which builds them from fixed hosts or a checked DNS name, so none can add a directive.
 */
export function allowFrames(res: Response, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const policy = res.getHeader("Content-Security-Policy")!.toString();
  res.setHeader("Content-Security-Policy", `${policy};frame-src ${origins.join(" ")}`);
}
