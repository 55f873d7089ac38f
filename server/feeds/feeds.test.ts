import express from "express";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Entry, Snapshot } from "../../shared/story.js";
import { errorHandler, notFound } from "../http/errors.js";
import { startServer, type TestServer } from "../test/harness.js";
import { ATOM_NS, TOMBSTONES_NS, atomFeed, escapeXml } from "./atom.js";
import { feedLinks, feedRoutes } from "./feed-routes.js";
import type { JsonFeed } from "./json-feed.js";

// Absolute URLs in the feeds come from PUBLIC_URL, never from the request's Host.
const PUBLIC_URL = "https://live.example.org";
const STORY = "feed-story";
const PAGE = `${PUBLIC_URL}/stories/${STORY}`;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const XSS = '<script>alert(1)</script> <img src=x onerror="alert(2)"> [click](javascript:alert(3)) **bold**';
const REMOVED_TEXT = "Unverified claim that must disappear";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Every element is an array, so "exactly one" is a length check; attributes are "@_name".
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  ignoreDeclaration: true,
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});
type Node = Record<string, any>;
const text = (node: unknown): string => (typeof node === "string" ? node : ((node as Node)["#text"] ?? ""));
const only = (node: Node, name: string): unknown => {
  expect(node[name], name).toHaveLength(1);
  return node[name][0];
};
const links = (node: Node, rel: string): Node[] => ((node.link ?? []) as Node[]).filter((l) => (l["@_rel"] ?? "alternate") === rel);

describe("feeds", () => {
  let server: TestServer;
  let feeds: Server;
  let base: string;
  const entries: Record<string, Entry> = {};
  let removedId = "";
  let removedAt = "";
  let story: Snapshot;

  const post = async (body: Record<string, unknown>) => {
    await sleep(15); // distinct createdAt/updatedAt, so the expected order is unambiguous
    const res = await server.api(`/api/stories/${STORY}/entries`, { body });
    expect(res.status).toBe(201);
    const { entry } = (await res.json()) as { entry: Entry };
    return (entries[entry.id] = entry);
  };
  const get = (path: string, headers: Record<string, string> = {}) => fetch(base + path, { headers });
  const atom = async () => {
    const res = await get(`/stories/${STORY}/feed.atom`);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(XMLValidator.validate(xml)).toBe(true);
    return { xml, feed: only(parser.parse(xml), "feed") as Node };
  };
  const json = async () => {
    const res = await get(`/stories/${STORY}/feed.json`);
    expect(res.status).toBe(200);
    return (await res.json()) as JsonFeed;
  };

  beforeAll(async () => {
    server = await startServer();
    // The feed router on its own listener over the same store, mounted like app.ts does.
    const app = express();
    app.set("etag", false);
    app.use(feedRoutes(server.app.store, { publicUrl: PUBLIC_URL, feedEntries: 50, sharedCache: { sMaxAgeSeconds: 5, staleWhileRevalidateSeconds: 60 } }, new Map()), notFound, errorHandler(server.app.store));
    feeds = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => feeds.once("listening", resolve));
    base = `http://127.0.0.1:${(feeds.address() as AddressInfo).port}`;

    const created = await server.api("/api/stories", {
      body: { id: STORY, title: `Strikes & <sirens> "tonight" it's live`, summary: "Everything we know, as it happens." },
    });
    expect(created.status).toBe(201);
    const first = await post({ headline: "Sirens across the capital", body: "Air-raid alert across **Kyiv**." });
    await post({ body: "No headline here: the *first line* becomes the title.\nSecond line." });
    const removed = await post({ headline: "Unconfirmed", body: REMOVED_TEXT });
    await post({ headline: "Explosion reported", body: "Witnesses heard **two blasts**.", kind: "breaking" });
    await post({ headline: "Correction", body: "An earlier update named the wrong district.", kind: "correction" });
    await post({ headline: "Untrusted input", body: XSS });
    await sleep(15);
    const edit = await server.api(`/api/stories/${STORY}/entries/${first.id}`, {
      method: "PATCH",
      body: { body: "Air-raid alert across **Kyiv** and the region.", pinned: true },
    });
    expect(edit.status).toBe(200);
    entries[first.id] = ((await edit.json()) as { entry: Entry }).entry;
    await sleep(15);
    const removal = await server.api(`/api/stories/${STORY}/entries/${removed.id}`, { method: "DELETE" });
    expect(removal.status).toBe(200);
    const { version } = (await removal.json()) as { version: number };
    const history = (await (await server.api(`/api/stories/${STORY}/history`)).json()) as { versions: { version: number; at: string }[] };
    removedId = removed.id;
    removedAt = history.versions.find((v) => v.version === version)!.at;
    delete entries[removed.id];
    story = (await (await server.api(`/api/stories/${STORY}`)).json()) as Snapshot;
  });
  afterAll(async () => {
    await new Promise((resolve) => feeds?.close(resolve));
    await server?.close();
  });

  const newestFirst = () => Object.values(entries).sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  describe("Atom (RFC 4287 + RFC 6721)", () => {
    it("is well-formed XML in the Atom and tombstone namespaces, with the feed's required elements", async () => {
      const { feed } = await atom();
      expect(feed["@_xmlns"]).toBe(ATOM_NS);
      expect(feed["@_xmlns:at"]).toBe(TOMBSTONES_NS);
      expect(feed["@_xml:lang"]).toBe("en"); // the story's language
      expect(text(only(feed, "id"))).toBe(PAGE);
      expect(new URL(text(only(feed, "id"))).href).toBe(PAGE);
      expect(text(only(feed, "title"))).toBe(story.title); // escaped on the way out, intact on the way in
      expect(text(only(feed, "subtitle"))).toBe(story.summary);
      expect(text(only(feed, "updated"))).toBe(story.updatedAt);
      expect(text(only(feed, "updated"))).toMatch(RFC3339);
      expect(links(feed, "self")).toEqual([{ "@_rel": "self", "@_type": "application/atom+xml", "@_href": `${PAGE}/feed.atom` }]);
      expect(links(feed, "alternate")).toEqual([{ "@_rel": "alternate", "@_type": "text/html", "@_href": PAGE }]);
      const author = only(feed, "author") as Node;
      expect(text(only(author, "name"))).toBe("Newsroom"); // the byline of the newest entry
      expect(text(only(feed, "generator"))).toBe("live-ticker");
    });

    it("lists every entry newest first by createdAt, pinned or not, each with its required elements", async () => {
      const { feed } = await atom();
      const items = feed.entry as Node[];
      const expected = newestFirst();
      expect(items.map((e) => text(only(e, "id")))).toEqual(expected.map((e) => `${PAGE}#${e.id}`));
      expect(new Set(items.map((e) => text(e.id[0]))).size).toBe(items.length);
      items.forEach((item, n) => {
        const entry = expected[n]!;
        expect(text(only(item, "title"))).toBe(entry.headline ?? "No headline here: the first line becomes the title.");
        expect(text(only(item, "updated"))).toBe(entry.updatedAt);
        expect(text(only(item, "published"))).toBe(entry.createdAt);
        expect(text(only(item, "updated"))).toMatch(RFC3339);
        expect(text(only(only(item, "author") as Node, "name"))).toBe(entry.author.name);
        expect(links(item, "alternate")).toEqual([{ "@_rel": "alternate", "@_type": "text/html", "@_href": `${PAGE}/updates/${entry.id}` }]);
        const content = only(item, "content") as Node;
        expect(content["@_type"]).toBe("html");
        expect(text(content)).toBe(entry.html);
        expect((item.category ?? []).map((c: Node) => c["@_term"])).toEqual(entry.kind === "update" ? [] : [entry.kind]);
      });
      // The pinned (edited) entry is the oldest, and stays last.
      expect(expected.at(-1)?.pinned).toBe(true);
    });

    it("moves an edited entry's updated past its published time", async () => {
      const { feed } = await atom();
      const edited = Object.values(entries).find((e) => e.revision > 1)!;
      const item = (feed.entry as Node[]).find((e) => text(e.id[0]) === `${PAGE}#${edited.id}`)!;
      expect(Date.parse(text(item.updated[0]))).toBeGreaterThan(Date.parse(text(item.published[0])));
      expect(text(item.content[0])).toContain("and the region");
    });

    it("marks the removed entry with an at:deleted-entry tombstone and republishes none of it", async () => {
      const { xml, feed } = await atom();
      const tombstone = only(feed, "at:deleted-entry") as Node;
      expect(tombstone["@_ref"]).toBe(`${PAGE}#${removedId}`);
      expect(tombstone["@_when"]).toBe(removedAt);
      expect(tombstone["@_when"]).toMatch(RFC3339);
      expect(text(only(tombstone, "at:comment"))).toBe("Removed by the desk");
      expect((feed.entry as Node[]).some((e) => text(e.id[0]).endsWith(removedId))).toBe(false);
      expect(xml).not.toContain(REMOVED_TEXT);
      expect(xml).not.toContain("Unconfirmed");
    });

    it("carries only sanitized, inert HTML", async () => {
      const { feed } = await atom();
      const item = (feed.entry as Node[]).find((e) => text(e.title[0]) === "Untrusted input")!;
      const html = text(item.content[0]);
      // Real tags are the only "<" left (text carries &lt;): none is active, none has a handler or script URL.
      const tags = html.match(/<[^>]*>/g) ?? [];
      expect(tags.map((tag) => /^<\/?([a-z0-9]+)/i.exec(tag)?.[1])).toEqual(["p", "strong", "strong", "p"]);
      for (const tag of tags) expect(tag).not.toMatch(/\son\w+\s*=|javascript:/i);
      expect(html).toContain("&lt;script&gt;"); // shown as text, not run
      expect(html).toContain("<strong>bold</strong>");
    });

    it("stays valid for a story with no entries, naming live-ticker as the author", async () => {
      expect((await server.api("/api/stories", { body: { id: "empty-story", title: "Quiet" } })).status).toBe(201);
      const res = await get("/stories/empty-story/feed.atom");
      const xml = await res.text();
      expect(XMLValidator.validate(xml)).toBe(true);
      const feed = only(parser.parse(xml), "feed") as Node;
      expect(text(only(only(feed, "author") as Node, "name"))).toBe("live-ticker");
      expect(feed.entry).toBeUndefined();
      expect(feed.subtitle).toBeUndefined();
      expect(feed["at:deleted-entry"]).toBeUndefined();
    });

    it("escapes markup and drops characters XML cannot carry", () => {
      expect(escapeXml(`a&b<c>"d"'e'\u0001\u0008\uFFFE\uD800ok\t\n`)).toBe("a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;ok\t\n");
      const snapshot: Snapshot = {
        id: "x", version: 1, title: "Bell \u0007 <b>", summary: "", status: "live", language: "en",
        createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", entries: {},
      };
      const xml = atomFeed({ snapshot, removed: [], publicUrl: PUBLIC_URL, limit: 50 });
      expect(XMLValidator.validate(xml)).toBe(true);
      expect(text((only(parser.parse(xml), "feed") as Node).title[0])).toBe("Bell  <b>");
    });
  });

  describe("JSON Feed 1.1", () => {
    it("has the top-level fields", async () => {
      const feed = await json();
      const { items, ...top } = feed;
      expect(top).toEqual({
        version: "https://jsonfeed.org/version/1.1",
        title: story.title,
        home_page_url: PAGE,
        feed_url: `${PAGE}/feed.json`,
        language: "en",
        description: story.summary,
        authors: [{ name: "Newsroom" }],
        _live_ticker: { version: story.version, status: "live" },
      });
      expect(items.length).toBe(Object.keys(entries).length + 1);
    });

    it("lists entries newest first, field by field, with the removed one as a notice in its place", async () => {
      const { items } = await json();
      const all = [...Object.values(entries).map((e) => ({ id: e.id, at: e.createdAt }))];
      const removedCreatedAt = (await server.app.store.removedEntries(STORY))![0]!.publishedAt;
      all.push({ id: removedId, at: removedCreatedAt });
      all.sort((a, b) => b.at.localeCompare(a.at));
      expect(items.map((i) => i.id)).toEqual(all.map((e) => `${PAGE}#${e.id}`));
      for (const item of items) {
        const entryId = item.id.split("#")[1]!;
        if (entryId === removedId) {
          expect(item).toEqual({
            id: `${PAGE}#${removedId}`,
            url: `${PAGE}/updates/${removedId}`,
            title: "Entry removed",
            content_html: "<p>This entry was removed by the desk.</p>",
            date_published: removedCreatedAt,
            date_modified: removedAt,
            _live_ticker: { deleted: true, deleted_at: removedAt },
          });
          continue;
        }
        const entry = entries[entryId]!;
        expect(item).toEqual({
          id: `${PAGE}#${entry.id}`,
          url: `${PAGE}/updates/${entry.id}`,
          title: entry.headline ?? "No headline here: the first line becomes the title.",
          content_html: entry.html,
          date_published: entry.createdAt,
          date_modified: entry.updatedAt,
          authors: [{ name: entry.author.name }],
          ...(entry.kind === "update" ? {} : { tags: [entry.kind] }),
        });
        if (entry.revision > 1) expect(Date.parse(item.date_modified)).toBeGreaterThan(Date.parse(item.date_published));
      }
      expect(JSON.stringify(items)).not.toContain(REMOVED_TEXT);
      expect(JSON.stringify(items)).not.toMatch(/<script|<img/);
    });
  });

  describe("HTTP", () => {
    for (const [path, type] of [
      ["feed.atom", "application/atom+xml; charset=utf-8"],
      ["feed.json", "application/feed+json; charset=utf-8"],
    ] as const) {
      describe(path, () => {
        const url = `/stories/${STORY}/${path}`;

        it("answers with its content type, validators, a short shared-cache lifetime and CORS", async () => {
          const res = await get(url);
          expect(res.status).toBe(200);
          expect(res.headers.get("content-type")).toBe(type);
          expect(res.headers.get("etag")).toBe(`"${story.version}"`);
          expect(res.headers.get("last-modified")).toBe(new Date(story.updatedAt).toUTCString());
          expect(res.headers.get("cache-control")).toBe("public, max-age=0, s-maxage=5, stale-while-revalidate=60");
          expect(res.headers.get("access-control-allow-origin")).toBe("*");
          const head = await fetch(base + url, { method: "HEAD" });
          expect(head.status).toBe(200);
          expect(head.headers.get("etag")).toBe(`"${story.version}"`);
        });

        it("answers 304 to a matching If-None-Match (weak comparison), 200 to a stale one", async () => {
          const etag = `"${story.version}"`;
          for (const header of [etag, `W/${etag}`, `"1", ${etag}`, "*"]) {
            const res = await get(url, { "if-none-match": header, "cache-control": "no-cache" });
            expect(res.status, header).toBe(304);
            expect(res.headers.get("etag")).toBe(etag);
            expect(await res.text()).toBe("");
          }
          expect((await get(url, { "if-none-match": '"1"' })).status).toBe(200);
          // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
          const lastModified = new Date(story.updatedAt).toUTCString();
          expect((await get(url, { "if-none-match": '"1"', "if-modified-since": lastModified })).status).toBe(200);
        });

        it("answers 304 to If-Modified-Since at or after Last-Modified, 200 before it or when unreadable", async () => {
          const lastModified = (await get(url)).headers.get("last-modified")!;
          const res = await get(url, { "if-modified-since": lastModified });
          expect(res.status).toBe(304);
          expect(res.headers.get("last-modified")).toBe(lastModified);
          expect((await get(url, { "if-modified-since": new Date(Date.now() + 60_000).toUTCString() })).status).toBe(304);
          const earlier = new Date(Date.parse(story.createdAt) - 60_000).toUTCString();
          expect((await get(url, { "if-modified-since": earlier })).status).toBe(200);
          expect((await get(url, { "if-modified-since": "yesterday-ish" })).status).toBe(200);
        });

        it("answers 404 story_not_found for an unknown story and 400 for a malformed id", async () => {
          const missing = await get(`/stories/no-such-story/${path}`);
          expect(missing.status).toBe(404);
          expect(await missing.json()).toEqual({ error: { code: "story_not_found", message: expect.any(String) } });
          const bad = await get(`/stories/Bad_Id!/${path}`);
          expect(bad.status).toBe(400);
          expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_story_id");
        });
      });
    }

    it("serves a new version with a new ETag after a write", async () => {
      const etag = `"${story.version}"`;
      const entry = await post({ body: "One more." });
      for (const path of ["feed.atom", "feed.json"]) {
        const res = await get(`/stories/${STORY}/${path}`, { "if-none-match": etag });
        expect(res.status).toBe(200);
        expect(res.headers.get("etag")).toBe(`"${story.version + 1}"`);
        expect(await res.text()).toContain(`${PAGE}#${entry.id}`);
      }
      delete entries[entry.id];
    });
  });

  it("feedLinks gives the two escaped discovery tags", () => {
    expect(feedLinks(PUBLIC_URL, { id: "kyiv", title: `Sirens & "alerts" <live>` }).split("\n")).toEqual([
      `<link rel="alternate" type="application/atom+xml" title="Sirens &#38; &#34;alerts&#34; &#60;live&#62; (Atom)" href="${PUBLIC_URL}/stories/kyiv/feed.atom">`,
      `<link rel="alternate" type="application/feed+json" title="Sirens &#38; &#34;alerts&#34; &#60;live&#62; (JSON Feed)" href="${PUBLIC_URL}/stories/kyiv/feed.json">`,
    ]);
  });
});
