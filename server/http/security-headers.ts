import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { RequestHandler, Response } from "express";
import helmet from "helmet";

/**
 * The site-wide security headers (helmet): a strict Content-Security-Policy, nosniff, no referrer.
 * Scripts come from this origin only; the pages' inline `<script>` elements (the props a page
 * hydrates with, the JSON-LD) carry this response's nonce, so an injected script runs nowhere,
 * inline event handlers are refused (script-src-attr 'none'), and nothing but our own origin may
 * frame a page. The embed page and the desk narrow or widen frame-ancestors for themselves.
 * No page frames anything (frame-src falls back to default-src 'self') unless it shows embeds:
 * see allowFrames.
 */
export function securityHeaders(options: { https: boolean }): RequestHandler[] {
  const nonce: RequestHandler = (_req, res, next) => {
    // 128 bits from the CSPRNG, new for every response (CSP3 §7.1: a nonce must be unguessable).
    res.locals.cspNonce = randomBytes(16).toString("base64");
    next();
  };
  const headers = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", (_req, res) => `'nonce-${cspNonce(res as ServerResponse as Response)}'`],
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
  return [nonce, headers];
}

/** The nonce of this response's Content-Security-Policy, for inline `<script>` elements. */
export function cspNonce(res: Response): string {
  return res.locals.cspNonce as string;
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
