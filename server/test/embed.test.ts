import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../shared/story.js";
import { startServer, type TestServer } from "./harness.js";

describe("embedding: oEmbed, the widget page and embed.js", () => {
  let server: TestServer;
  let story: Snapshot;
  const pageUrl = () => `${server.url}/stories/${story.id}`;

  beforeAll(async () => {
    server = await startServer({ pages: true });
    story = (await (await server.api("/api/stories", { body: { id: "kyiv-embed", title: 'Kyiv "strikes" <live>' } })).json()) as Snapshot;
  });
  afterAll(() => server.close());

  it("answers oEmbed 1.0 rich JSON for a live page, field by field", async () => {
    const res = await fetch(`${server.url}/oembed?url=${encodeURIComponent(`${pageUrl()}#e_abc`)}&format=json&maxwidth=400&maxheight=50`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      version: "1.0",
      type: "rich",
      provider_name: "live-ticker",
      provider_url: server.url,
      title: 'Kyiv "strikes" <live>',
      // The snippet a publisher pastes: a plain link until embed.js makes it the widget, the title escaped.
      html:
        `<div data-live-ticker="kyiv-embed" data-layout="strip" data-theme="light" lang="en" dir="ltr"><a href="${server.url}/stories/kyiv-embed">Live: Kyiv &#34;strikes&#34; &#60;live&#62;</a></div>\n` +
        `<script async src="${server.url}/embed.js"></script>`,
      width: 400,
      height: 50,
      cache_age: 300,
    });
    const defaults = await (await fetch(`${server.url}/oembed?url=${encodeURIComponent(pageUrl())}`)).json();
    expect(defaults).toMatchObject({ width: 600, height: 72 });
  });

  it.each([
    ["no url", "", 400, "invalid_url"],
    ["a foreign site", `?url=${encodeURIComponent("https://evil.example/stories/x")}`, 400, "invalid_url"],
    ["not a URL", "?url=kyiv-strikes", 400, "invalid_url"],
    ["another page of this site", "?url=SELF/api/stories/x", 400, "invalid_url"],
    ["a malformed story id", "?url=SELF/stories/..%2F..%2Fetc", 400, "invalid_url"],
    ["an unknown story", "?url=SELF/stories/no-such-story", 404, "story_not_found"],
    ["format=xml", "?url=SELF/stories/STORY&format=xml", 501, "format_not_implemented"],
  ])("answers oEmbed for %s with an error", async (_name, query, status, code) => {
    const url = `${server.url}/oembed${query.replace("SELF", encodeURIComponent(server.url)).replace("STORY", story.id)}`;
    const res = await fetch(url);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it("announces oEmbed on every live page", async () => {
    const html = await (await fetch(pageUrl())).text();
    const link = /<link rel="alternate" type="application\/json\+oembed" href="([^"]+)"/.exec(html);
    expect(link).not.toBeNull();
    const href = link![1]!.replaceAll("&amp;", "&");
    expect((await fetch(href)).status).toBe(200);
  });

  it("serves the widget page framable by EMBED_ORIGINS, cookie-less, themed by query", async () => {
    const res = await fetch(`${server.url}/embed/${story.id}?layout=list&theme=dark&maxItems=3&accent=%23c00`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors *");
    expect(res.headers.get("x-frame-options")).toBeNull();
    expect(res.headers.get("set-cookie")).toBeNull();
    const html = await res.text();
    expect(html).toContain('<html lang="en" dir="ltr" data-theme="dark" style="--accent: #c00; --ticker-accent: #c00">');
    expect(html).toMatch(/class="embed-list[" ]/);
    expect(html).toContain("Open full coverage");
    // The same version and layout is rendered once; each response still gets its own theme and accent.
    const light = await (await fetch(`${server.url}/embed/${story.id}?layout=list&theme=light&maxItems=3&accent=%23123456`)).text();
    expect(light).toContain('<html lang="en" dir="ltr" data-theme="light" style="--accent: #123456; --ticker-accent: #123456">');
    expect(await (await fetch(`${server.url}/embed/${story.id}?layout=list&maxItems=3`)).text()).toContain('<html lang="en" dir="ltr">\n');
    // Anything but a hex colour never reaches the style attribute.
    const hostile = await (await fetch(`${server.url}/embed/${story.id}?accent=red;background:url(x)`)).text();
    expect(hostile).toContain('<html lang="en" dir="ltr">\n');
    expect(hostile).not.toContain("url(x)");
    expect((await fetch(`${server.url}/embed/no-such-story`)).status).toBe(404);
  });

  it("keeps the site's own pages unframable", async () => {
    const res = await fetch(pageUrl());
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'self'");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    const desk = await fetch(`${server.url}/editor`);
    expect(desk.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("serves embed.js to any site, small", async () => {
    const res = await fetch(`${server.url}/embed.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    const gzipped = gzipSync(Buffer.from(await res.arrayBuffer()), { level: 9 }).length;
    expect(gzipped).toBeLessThan(5 * 1024);
  });
});

describe("feed discovery", () => {
  it("links the Atom and JSON feeds from the live page, and they answer", async () => {
    const server = await startServer({ pages: true });
    try {
      const story = (await (await server.api("/api/stories", { body: { title: "Feeds" } })).json()) as Snapshot;
      const html = await (await fetch(`${server.url}/stories/${story.id}`)).text();
      for (const [type, path] of [["application/atom+xml", "feed.atom"], ["application/feed+json", "feed.json"]] as const) {
        const href = new RegExp(`<link rel="alternate" type="${type.replace("+", "\\+")}"[^>]* href="([^"]+)"`).exec(html)?.[1];
        expect(href).toBe(`${server.url}/stories/${story.id}/${path}`);
        const res = await fetch(href!);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toContain(type);
      }
    } finally {
      await server.close();
    }
  });
});

describe("embedding edge cases", () => {
  it("clamps maxItems, ignores nonsense oEmbed sizes, and answers an unknown story inside the frame", async () => {
    const server = await startServer({ pages: true });
    try {
      const story = (await (await server.api("/api/stories", { body: { title: "Edges" } })).json()) as Snapshot;
      for (let n = 0; n < 3; n++) await server.api(`/api/stories/${story.id}/entries`, { body: { body: `Item ${n}`, headline: `Item ${n}` } });
      const one = await (await fetch(`${server.url}/embed/${story.id}?layout=list&maxItems=0`)).text();
      expect(one.match(/<li[ >]/g)?.length).toBe(1);
      const many = await (await fetch(`${server.url}/embed/${story.id}?layout=list&maxItems=500`)).text();
      expect(many.match(/<li[ >]/g)?.length).toBe(3);

      const oembed = await fetch(`${server.url}/oembed?url=${encodeURIComponent(`${server.url}/stories/${story.id}`)}&maxwidth=abc&maxheight=0`);
      expect(oembed.status).toBe(200);
      expect(await oembed.json()).toMatchObject({ width: 600, height: 72 });

      const missing = await fetch(`${server.url}/embed/gone-story`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get("content-type")).toMatch(/^text\/html/);
      expect(missing.headers.get("x-frame-options")).toBeNull();
      expect(await missing.text()).toContain("not available");
    } finally {
      await server.close();
    }
  });
});
