/**
 * Security headers on every HTML page (issue 8): a strict Content-Security-Policy whose script-src
 * is this origin alone (no nonce: pages are the same for every reader, issue 15), and every
 * `<script>` in the page either loaded from this origin or a data block that never runs; frame-ancestors per page kind (EMBED_ORIGINS for the widget,
 * 'none' for the desk, 'self' elsewhere); nosniff, a Referrer-Policy, no X-Powered-By.
 * Needs `npm run build` (npm test builds first).
 */
import express from "express";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowFrames, securityHeaders } from "../http/security-headers.js";
import type { Snapshot } from "../../shared/story.js";
import { send, serverWithAccounts, type Account } from "./accounts-helpers.js";
import { startServer, type TestServer } from "./harness.js";

/** The directives of a Content-Security-Policy header, by name. */
function directives(header: string | null): Map<string, string[]> {
  expect(header, "Content-Security-Policy").toBeTruthy();
  const map = new Map<string, string[]>();
  for (const part of header!.split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), values);
  }
  return map;
}

interface CheckedPage {
  html: string;
  csp: Map<string, string[]>;
}

/** Fetches an HTML page and checks what every page shares; returns it for the page-specific checks. */
async function checkPage(url: string, expected: { status: number; frameAncestors: string[]; xFrameOptions: string | null }): Promise<CheckedPage> {
  const res = await fetch(url);
  expect(res.status, url).toBe(expected.status);
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  const csp = directives(res.headers.get("content-security-policy"));

  // Scripts: this origin's files only; no nonce, no hash, never inline handlers or eval.
  expect(csp.get("script-src")).toEqual(["'self'"]);
  expect(csp.get("script-src-attr")).toEqual(["'none'"]);
  expect(csp.get("default-src")).toEqual(["'self'"]);
  expect(csp.get("object-src")).toEqual(["'none'"]);
  expect(csp.get("base-uri")).toEqual(["'self'"]);
  expect(csp.get("frame-ancestors")).toEqual(expected.frameAncestors);
  // None of these pages shows an embed: none may frame anything (e2e/entry-media.test.ts has one that does).
  expect(csp.get("frame-src")).toBeUndefined();
  for (const [name, sources] of csp) {
    expect(sources, name).not.toContain("'unsafe-eval'");
    if (name.startsWith("script-src")) expect(sources, name).not.toContain("'unsafe-inline'");
  }

  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  expect(res.headers.get("x-powered-by")).toBeNull();
  expect(res.headers.get("x-frame-options")).toBe(expected.xFrameOptions);

  const html = await res.text();
  for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) {
    const src = /\ssrc="([^"]*)"/i.exec(tag)?.[1];
    if (src !== undefined) {
      // External: from this origin, by path (a "//host" path would be another origin).
      expect(src, tag).toMatch(/^\/(?!\/)/);
    } else {
      // Inline: only data blocks, which browsers never run (and which therefore need no nonce).
      expect(/\stype="([^"]*)"/i.exec(tag)?.[1], `an inline script that would run: ${tag}`).toMatch(/^application\/(ld\+)?json$/);
    }
  }
  // No inline event handler or javascript: URL anywhere in the markup (escaped text is not markup).
  expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/(href|src|action)\s*=\s*["']?\s*javascript:/i);
  return { html, csp };
}

describe("security headers on the HTML pages", () => {
  let server: TestServer;
  let story: Snapshot;

  beforeAll(async () => {
    server = await startServer({ pages: true });
    story = (await (await server.api("/api/stories", { body: { title: "Headers </script><script>alert(1)</script>" } })).json()) as Snapshot;
    // Hostile text everywhere it can go: markdown with raw HTML, handlers, and a javascript: link.
    for (const body of ['<script>alert(1)</script> <img src=x onerror="alert(1)">', "[click](javascript:alert(1)) **bold**"]) {
      const res = await server.api(`/api/stories/${story.id}/entries`, { body: { body, headline: '"><script>alert(2)</script>', pinned: true } });
      expect(res.status).toBe(201);
    }
  });
  afterAll(() => server.close());

  const SAME_ORIGIN = { status: 200, frameAncestors: ["'self'"], xFrameOptions: "SAMEORIGIN" };

  it("the story list", async () => {
    const { html } = await checkPage(`${server.url}/`, SAME_ORIGIN);
    expect(html).toContain("Headers");
  });

  it("a story's live page, with its JSON-LD and page props as data blocks", async () => {
    const { html } = await checkPage(`${server.url}/stories/${story.id}`, SAME_ORIGIN);
    expect(html).toContain(`<script type="application/ld+json">`);
    expect(html).toContain(`<script type="application/json" id="page-props">`);
    expect(html).toMatch(/<script type="module" src="\/assets\/live-[^"]+\.js"><\/script>/);
  });

  it("the same policy for every response, so a shared cache may keep the page", async () => {
    const policies = new Set<string | null>();
    for (let i = 0; i < 3; i++) policies.add((await fetch(`${server.url}/stories/${story.id}`)).headers.get("content-security-policy"));
    expect(policies.size).toBe(1);
  });

  it("the history and the ticker", async () => {
    await checkPage(`${server.url}/stories/${story.id}/history`, SAME_ORIGIN);
    await checkPage(`${server.url}/stories/${story.id}/ticker`, SAME_ORIGIN);
  });

  it("the embed widget: framable by EMBED_ORIGINS (default *), no X-Frame-Options", async () => {
    await checkPage(`${server.url}/embed/${story.id}?layout=list`, { status: 200, frameAncestors: ["*"], xFrameOptions: null });
    await checkPage(`${server.url}/embed/no-such-story`, { status: 404, frameAncestors: ["*"], xFrameOptions: null });
  });

  it("the editor's desk: never framed", async () => {
    await checkPage(`${server.url}/editor`, { status: 200, frameAncestors: ["'none'"], xFrameOptions: "DENY" });
  });

  it("a 404 page", async () => {
    await checkPage(`${server.url}/stories/no-such-story`, { ...SAME_ORIGIN, status: 404 });
  });

  it("API answers carry the same baseline headers", async () => {
    for (const path of ["/api/stories", "/no-such-thing"]) {
      const res = await fetch(server.url + path);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("x-powered-by")).toBeNull();
      expect(directives(res.headers.get("content-security-policy")).get("object-src")).toEqual(["'none'"]);
    }
  });
});

describe("security headers with EMBED_ORIGINS set", () => {
  it("lets only those origins (and this one) frame the widget, and nothing else changes", async () => {
    const server = await startServer({ pages: true, env: { EMBED_ORIGINS: "https://news.example https://blog.example" } });
    try {
      const story = (await (await server.api("/api/stories", { body: { title: "Framed" } })).json()) as Snapshot;
      await checkPage(`${server.url}/embed/${story.id}`, {
        status: 200,
        frameAncestors: ["'self'", "https://news.example", "https://blog.example"],
        xFrameOptions: null,
      });
      await checkPage(`${server.url}/stories/${story.id}`, { status: 200, frameAncestors: ["'self'"], xFrameOptions: "SAMEORIGIN" });
      await checkPage(`${server.url}/editor`, { status: 200, frameAncestors: ["'none'"], xFrameOptions: "DENY" });
    } finally {
      await server.close();
    }
  });
});

/**
 * Issue 12: only public story data is granted to other sites (CORS `*`, cross-origin resource
 * policy); answers meant for one signed-in client get neither, and `Cache-Control: no-store`.
 */
describe("who may read API answers from elsewhere, and keep them", () => {
  let server: TestServer;
  let editor: Account;
  let entryId: string;
  const ORIGIN = { origin: "https://elsewhere.example" };

  beforeAll(async () => {
    ({ server, accounts: [editor] } = await serverWithAccounts({ id: "open", title: "Open" }, [["cors-editor", "editor"]] as const));
    entryId = ((await (await server.api("/api/stories/open/entries", { body: { body: "Public text." } })).json()) as { entry: { id: string } }).entry.id;
    expect((await send(server.url, "/api/stories/open/drafts", { cookie: editor.cookie, body: { body: "Not yet public." } })).status).toBe(201);
  });
  afterAll(() => server.close());

  it.each([
    ["the story list", "/api/stories", 200],
    ["a story", "/api/stories/open", 200],
    ["a version", "/api/stories/open?version=1", 200],
    ["a patch", "/api/stories/open/patch?from=1", 200],
    ["the history", "/api/stories/open/history", 200],
    ["an unknown story", "/api/stories/no-such-story", 404],
    ["the JSON feed", "/stories/open/feed.json", 200],
    ["the Atom feed", "/stories/open/feed.atom", 200],
  ])("public: %s is granted to any site, with its own caching", async (_name, path, status) => {
    for (const headers of [ORIGIN, { ...ORIGIN, cookie: editor.cookie }]) {
      const res = await fetch(server.url + path, { headers });
      expect(res.status).toBe(status);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-expose-headers")).toBe("ETag");
      expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
      if (status === 200) expect(res.headers.get("cache-control")).not.toBe("no-store");
    }
  });

  const privateAnswers: [string, () => Promise<{ status: number; headers: Headers }>, number][] = [
    ["the accounts (admin token)", () => server.api("/api/users", { headers: ORIGIN }), 200],
    ["the API tokens (admin token)", () => server.api("/api/tokens", { headers: ORIGIN }), 200],
    ["the accounts, refused to an editor", () => send(server.url, "/api/users", { cookie: editor.cookie, headers: ORIGIN }), 403],
    ["an editor's own API tokens", () => send(server.url, "/api/tokens", { cookie: editor.cookie, headers: ORIGIN }), 200],
    ["the session", () => send(server.url, "/api/session", { cookie: editor.cookie, headers: ORIGIN }), 200],
    ["no session", () => fetch(`${server.url}/api/session`, { headers: ORIGIN }), 401],
    ["a story's drafts", () => send(server.url, "/api/stories/open/drafts", { cookie: editor.cookie, headers: ORIGIN }), 200],
    ["a write's answer", () => server.api(`/api/stories/open/entries/${entryId}`, { method: "PATCH", body: { pinned: true }, headers: ORIGIN }), 200],
    ["an unknown API path", () => fetch(`${server.url}/api/nothing-here`, { headers: ORIGIN }), 404],
  ];

  it.each(privateAnswers)("private: %s is granted to no other site and kept by no cache", async (_name, request, status) => {
    const res = await request();
    expect(res.status).toBe(status);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("answers a preflight for public reads only", async () => {
    const preflight = (path: string, method = "GET") =>
      fetch(server.url + path, { method: "OPTIONS", headers: { ...ORIGIN, "access-control-request-method": method, "access-control-request-headers": "if-none-match" } });
    for (const path of ["/api/stories", "/api/stories/open", "/api/stories/open/patch", "/api/stories/open/history", "/api/stories/open/entries"]) {
      const res = await preflight(path);
      expect([path, res.status, res.headers.get("access-control-allow-origin")]).toEqual([path, 204, "*"]);
    }
    for (const [path, method] of [["/api/users", "GET"], ["/api/tokens", "GET"], ["/api/session", "GET"], ["/api/stories/open/drafts", "GET"], ["/api/stories/open/entries", "POST"]] as const) {
      const res = await preflight(path, method);
      expect([path, res.headers.get("access-control-allow-origin")]).toEqual([path, null]);
    }
  });
});

describe("allowFrames: the frame-src of a page that shows embeds", () => {
  it("adds exactly the given origins to this response's policy, and nothing without any", async () => {
    const app = express();
    app.use(securityHeaders({ https: false }));
    app.get("/embeds", (_req, res) => {
      allowFrames(res, ["https://mastodon.social", "https://www.youtube-nocookie.com"]);
      res.send("ok");
    });
    app.get("/none", (_req, res) => {
      allowFrames(res, []);
      res.send("ok");
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const withEmbeds = directives((await fetch(`${base}/embeds`)).headers.get("content-security-policy"));
      expect(withEmbeds.get("frame-src")).toEqual(["https://mastodon.social", "https://www.youtube-nocookie.com"]);
      // The rest of the policy is untouched.
      const without = directives((await fetch(`${base}/none`)).headers.get("content-security-policy"));
      expect(without.get("frame-src")).toBeUndefined();
      withEmbeds.delete("frame-src");
      expect(withEmbeds).toEqual(without);
    } finally {
      server.close();
    }
  });
});
