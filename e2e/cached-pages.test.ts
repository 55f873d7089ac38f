/**
 * Pages a CDN keeps (issue 15), in Chromium: with no nonce, the pages still hydrate with no CSP
 * violation while an injected inline script is refused; the server's absolute times turn relative
 * only after hydration (no mismatch); and a reader handed a stale copy of the page by a cache in
 * front catches up over the live connection.
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { connect, type AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../shared/story.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot, unexpectedErrors } from "./browser.js";

// A loaded machine (other suites, other browsers) makes a page load take seconds: room for that.
describe.skipIf(browserMissing)("cacheable pages in a real browser", { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let storyId: string;
  const post = async (headline: string) => {
    const res = await server.api(`/api/stories/${storyId}/entries`, { body: { body: `About ${headline}.`, headline } });
    expect(res.status).toBe(201);
  };

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    storyId = ((await (await server.api("/api/stories", { body: { title: "Cached coverage" } })).json()) as Snapshot).id;
    await post("Sirens in the north");
    await post("Crews on the scene");
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const hydrated = {
    live: (path: string) => ({ path, ready: '[data-status="live"]' }),
    ticker: (path: string) => ({ path, ready: '.ticker[data-connection="live"]' }),
  };

  it.each([
    ["the live page", () => hydrated.live(`/stories/${storyId}`)],
    ["the ticker page", () => hydrated.ticker(`/stories/${storyId}/ticker`)],
    ["the embed strip, dark", () => hydrated.ticker(`/embed/${storyId}?theme=dark&accent=%23cc0000`)],
  ])("%s hydrates with no CSP violation, and refuses an injected inline script", async (_name, target) => {
    const { path, ready } = target();
    const { context, page } = await openPage(browser, server.url + path);
    await page.locator(ready).waitFor();
    expect(pageErrors(page)).toEqual([]);
    const ran = await page.evaluate(() => {
      const script = document.createElement("script");
      script.textContent = "window.__injected = true;";
      document.body.append(script);
      return (window as unknown as { __injected?: boolean }).__injected === true;
    });
    expect(ran).toBe(false);
    // Chromium reports it twice: the securitypolicyviolation event, and a console line.
    await expect.poll(() => pageErrors(page).some((error) => /CSP violation .*script-src.* blocked inline/.test(error))).toBe(true);
    expect(unexpectedErrors(page, /CSP violation .*script-src.* blocked inline/, /^Executing inline script violates .*script-src 'self'/)).toEqual([]);
    await context.close();
  });

  it("writes absolute times on the server and relative ones once hydrated, with no mismatch", async () => {
    const url = `${server.url}/stories/${storyId}`;
    const off = await openPage(browser, url, { javaScriptEnabled: false });
    const served = await off.page.locator(".stream article.entry time").first().textContent();
    expect(served).toMatch(/UTC$/);
    await off.context.close();

    const { context, page } = await openPage(browser, url, { timezoneId: "Europe/Kyiv" });
    await page.locator('[data-status="live"]').waitFor();
    await expect.poll(() => page.locator(".stream article.entry time").first().textContent()).toMatch(/^(now|\d+ min\. ago)$/);
    expect(pageErrors(page)).toEqual([]);
    await screenshot(page, "cached-live-page-desktop");
    await context.close();
  });

  it("a reader given a cached copy of an older version catches up to the latest", async () => {
    const path = `/stories/${storyId}`;
    const cdn = await staleCdn(server.url, path);
    try {
      await fetch(cdn.url + path); // the CDN keeps this version's page…
      await post("Posted after the cache kept its copy"); // …and serves it after the next one
      const stale = await (await fetch(cdn.url + path)).text();
      expect(stale).not.toContain("Posted after the cache kept its copy");
      const { context, page } = await openPage(browser, cdn.url + path, { viewport: { width: 390, height: 800 } });
      await page.getByRole("heading", { name: "Posted after the cache kept its copy" }).waitFor({ timeout: 20_000 });
      expect(pageErrors(page)).toEqual([]);
      await screenshot(page, "cached-live-page-phone");
      await context.close();
    } finally {
      await cdn.close();
    }
  });
});

/**
 * A stand-in for a CDN in front of `origin`: it keeps the first answer for `path` and serves it
 * from then on, and passes everything else through, WebSocket upgrades included.
 */
async function staleCdn(origin: string, path: string): Promise<{ url: string; close: () => Promise<void> }> {
  const target = new URL(origin);
  let kept: { status: number; headers: IncomingHttpHeaders; body: Buffer } | undefined;
  const cdn = createServer((req, res) => {
    if (req.url === path && kept) return void res.writeHead(kept.status, kept.headers).end(kept.body);
    const upstream = request(origin + req.url, { method: req.method, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () => {
        const body = Buffer.concat(chunks);
        if (req.url === path) kept = { status: answer.statusCode!, headers: answer.headers, body };
        res.writeHead(answer.statusCode!, answer.headers).end(body);
      });
    });
    req.pipe(upstream);
  });
  const tunnels = new Set<Duplex>();
  cdn.on("upgrade", (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    for (const socket of [client, upstream]) {
      tunnels.add(socket);
      socket.on("error", () => {}).on("close", () => tunnels.delete(socket));
    }
  });
  await new Promise<void>((resolve) => cdn.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of tunnels) socket.destroy();
      cdn.closeAllConnections();
      await new Promise((resolve) => cdn.close(resolve));
    },
  };
}
