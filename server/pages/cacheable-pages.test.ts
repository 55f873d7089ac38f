/**
 * Pages a CDN may keep (issue 15, DESIGN.md §6): the live, ticker, embed, history and update pages and the
 * latest story JSON are the same bytes for every reader of a version and URL, carry an ETag that
 * changes exactly when those bytes do, answer 304 to a reader who holds them, and say how long a
 * shared cache may keep them (CACHE_S_MAXAGE, CACHE_STALE_WHILE_REVALIDATE). Times are absolute on
 * the server: relative phrases are the browser's. Needs `npm run build` (npm test builds first).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../shared/story.js";
import { rawGet } from "../test/raw-get.js";
import { startServer, type TestServer } from "../test/harness.js";

const SHARED = "public, max-age=0, s-maxage=5, stale-while-revalidate=60";

describe("cacheable reader pages", () => {
  let server: TestServer;
  let story: Snapshot;
  let firstEntry = "";
  const post = async (headline: string) => {
    const res = await server.api(`/api/stories/${story.id}/entries`, { body: { body: `Text of ${headline}.`, headline } });
    expect(res.status).toBe(201);
    return ((await res.json()) as { entry: { id: string } }).entry.id;
  };

  beforeAll(async () => {
    server = await startServer({ pages: true });
    story = (await (await server.api("/api/stories", { body: { title: "Cached night" } })).json()) as Snapshot;
    firstEntry = await post("First update");
  });
  afterAll(() => server.close());

  const pages = [
    ["the live page", () => `/stories/${story.id}`],
    ["the ticker page", () => `/stories/${story.id}/ticker?maxItems=5`],
    ["the embed page, themed", () => `/embed/${story.id}?layout=list&theme=dark&accent=%23c00`],
    ["the embed strip", () => `/embed/${story.id}`],
    ["the history page", () => `/stories/${story.id}/history`],
    ["an update's page", () => `/stories/${story.id}/updates/${firstEntry}`],
    ["the story JSON", () => `/api/stories/${story.id}`],
  ] as const;

  it.each(pages)("%s: the same bytes and validator for every reader, 304 for one who holds them, new ones with a new version", async (_name, path) => {
    const first = await rawGet(server.url + path());
    const second = await rawGet(server.url + path());
    expect(first.status).toBe(200);
    expect(first.body.equals(second.body)).toBe(true);
    // Headers too: a cache keeps them with the body (no per-response nonce in the policy).
    for (const header of ["etag", "cache-control", "content-security-policy", "content-type"]) expect(second.headers[header], header).toBe(first.headers[header]);
    expect(first.headers["cache-control"]).toBe(SHARED);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^(W\/)?"[^"]+"$/);

    // fetch() sends Cache-Control: no-cache with its conditional requests; the ETag decides all the same.
    const conditional: Record<string, string>[] = [{ "if-none-match": etag }, { "if-none-match": `"nope", ${etag}`, "cache-control": "no-cache" }, { "if-none-match": "*" }];
    for (const headers of conditional) {
      const again = await rawGet(server.url + path(), headers);
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.headers.etag).toBe(etag);
      expect(again.headers["cache-control"]).toBe(SHARED);
    }
    expect((await rawGet(server.url + path(), { "if-none-match": '"something-else"' })).status).toBe(200);

    await post(`Another update for ${path()}`);
    const next = await rawGet(server.url + path(), { "if-none-match": etag });
    expect(next.status).toBe(200);
    expect(next.headers.etag).not.toBe(etag);
    expect(next.body.equals(first.body)).toBe(false);
  });

  it("gives each variant of a URL its own bytes and ETag", async () => {
    const variants = [`/embed/${story.id}?theme=dark`, `/embed/${story.id}?theme=light`, `/embed/${story.id}?theme=dark&accent=%23336699`, `/embed/${story.id}?layout=list`];
    const answers = await Promise.all(variants.map((path) => rawGet(server.url + path)));
    expect(new Set(answers.map((res) => res.headers.etag)).size).toBe(variants.length);
    expect(answers[0]!.body.toString()).toContain('<html lang="en" dir="ltr" data-theme="dark">');
    expect(answers[2]!.body.toString()).toContain("--accent: #336699");
  });

  it("keeps versions, and the pages that are not shared, as they were", async () => {
    const version = await rawGet(`${server.url}/api/stories/${story.id}?version=1`);
    expect(version.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(version.headers.etag).toBe('"1"');
    expect((await rawGet(`${server.url}/api/stories/${story.id}`)).headers.etag).toMatch(/^"\d+"$/); // DESIGN.md §3: the version
    expect((await rawGet(`${server.url}/stories/no-such-story`)).headers["cache-control"]).toBe("no-cache");
    expect((await rawGet(`${server.url}/embed/no-such-story`)).headers["cache-control"]).toBe("no-cache");
  });

  it("writes times as absolute <time datetime> on the server, never as 'ago' or 'now'", async () => {
    const latest = (await (await server.api(`/api/stories/${story.id}`)).json()) as Snapshot;
    const entry = Object.values(latest.entries)[0]!;
    for (const path of [`/stories/${story.id}`, `/embed/${story.id}?layout=list`, `/stories/${story.id}/history`]) {
      const html = (await rawGet(server.url + path)).body.toString();
      // Attributes in any order: a time also carries dir="auto" (it may sit in right-to-left text).
      const times = [...html.matchAll(/<time\b[^>]*\bdatetime="([^"]+)"[^>]*>([^<]*)<\/time>/g)];
      expect(times.length, path).toBeGreaterThan(0);
      for (const [, datetime, text] of times) {
        expect(Date.parse(datetime!), path).not.toBeNaN();
        expect(text, path).not.toMatch(/ago|now/i);
      }
      if (path.startsWith("/stories/") && !path.endsWith("/history")) {
        const day = new Intl.DateTimeFormat("en", { timeZone: "UTC", day: "numeric", month: "short" }).format(Date.parse(entry.createdAt));
        expect(times.some(([, datetime]) => datetime === entry.createdAt)).toBe(true);
        expect(times.some(([, , text]) => text!.includes(day) && text!.endsWith("UTC"))).toBe(true);
      }
    }
  });
});

describe("shared-cache lifetimes from the environment", () => {
  it("follows CACHE_S_MAXAGE and CACHE_STALE_WHILE_REVALIDATE on pages, story JSON and feeds", async () => {
    const server = await startServer({ pages: true, env: { CACHE_S_MAXAGE: "30", CACHE_STALE_WHILE_REVALIDATE: "600" } });
    try {
      const story = (await (await server.api("/api/stories", { body: { title: "Configured" } })).json()) as Snapshot;
      for (const path of [`/stories/${story.id}`, `/stories/${story.id}/ticker`, `/embed/${story.id}`, `/api/stories/${story.id}`, `/stories/${story.id}/feed.atom`]) {
        expect([path, (await rawGet(server.url + path)).headers["cache-control"]]).toEqual([path, "public, max-age=0, s-maxage=30, stale-while-revalidate=600"]);
      }
    } finally {
      await server.close();
    }
  });

  it("refuses a lifetime that is not a whole number of seconds", async () => {
    await expect(startServer({ env: { CACHE_S_MAXAGE: "-1" } })).rejects.toThrow(/CACHE_S_MAXAGE/);
    await expect(startServer({ env: { CACHE_STALE_WHILE_REVALIDATE: "a minute" } })).rejects.toThrow(/CACHE_STALE_WHILE_REVALIDATE/);
  });
});
