import { Router, type Request, type Response } from "express";
import type { Snapshot } from "../../shared/story.js";
import { ApiError } from "../http/errors.js";
import { storyIdOf } from "../http/params.js";
import { publicRead } from "../http/public-reads.js";
import { matchesIfNoneMatch, sharedCacheControl } from "../http/shared-cache.js";
import { escapeHtml } from "../pages/document.js";
import type { Config } from "../config.js";
import { LatestCache } from "../latest-cache.js";
import type { CacheGauges } from "../metrics.js";
import type { Store } from "../store/store.js";
import { ATOM_CONTENT_TYPE, atomFeed } from "./atom.js";
import { atomFeedUrl, jsonFeedUrl, type FeedInput } from "./feed-model.js";
import { JSON_FEED_CONTENT_TYPE, jsonFeed } from "./json-feed.js";

/** How many bytes of rendered feeds are kept: the latest feeds of a few hundred stories. */
export const RENDERED_FEEDS_BUDGET = 32 * 1024 * 1024;

/**
 * `GET /stories/:id/feed.atom` and `GET /stories/:id/feed.json` (DESIGN.md §3), mounted at the root.
 * Public like the read API: any site may fetch them (CORS `*`), and readers revalidate with
 * `If-None-Match` (the story version) or `If-Modified-Since` (the story's `updatedAt`).
 */
export function feedRoutes(store: Store, config: Pick<Config, "publicUrl" | "sharedCache" | "feedEntries">, caches: CacheGauges): Router {
  const router = Router();
  const cacheControl = sharedCacheControl(config.sharedCache);
  // A version's feed never changes: it is rendered once and then sent as it is, so a story that
  // many feed readers poll costs one render per version and format, not one per request.
  const rendered = new LatestCache<Buffer>(RENDERED_FEEDS_BUDGET, (body) => body.byteLength);
  caches.set("feeds", rendered);

  const feed = (format: string, contentType: string, render: (input: FeedInput) => string) => async (req: Request, res: Response) => {
    const storyId = storyIdOf(req);
    const snapshot = await store.latest(storyId);
    if (!snapshot) throw new ApiError(404, "story_not_found", `No story "${storyId}".`);
    if (notModified(req, res, snapshot, cacheControl)) return void res.status(304).end();
    const slot = `${format}:${storyId}`;
    let body = rendered.get(slot, snapshot.version);
    if (body === undefined) {
      // Read after the snapshot: a removal committed in between only adds a tombstone for an entry
      // the snapshot still lists, which the builders skip, so the feed never contradicts its version.
      const removed = (await store.removedEntries(storyId)) ?? [];
      body = rendered.set(slot, snapshot.version, Buffer.from(render({ snapshot, removed, publicUrl: config.publicUrl, limit: config.feedEntries })));
    }
    res.setHeader("Content-Type", contentType);
    res.send(body);
  };

  router.get("/stories/:id/feed.atom", publicRead, feed("atom", ATOM_CONTENT_TYPE, atomFeed));
  router.get("/stories/:id/feed.json", publicRead, feed("json", JSON_FEED_CONTENT_TYPE, (input) => JSON.stringify(jsonFeed(input))));
  return router;
}

/**
 * Sets the validators and says whether the reader's copy is current. RFC 9110 §13.2.2: when
 * `If-None-Match` is present, `If-Modified-Since` is ignored. HTTP dates have whole seconds, so two
 * versions within one second share a Last-Modified; the ETag, which feed readers also send, is exact.
 */
function notModified(req: Request, res: Response, snapshot: Snapshot, cacheControl: string): boolean {
  const etag = `"${snapshot.version}"`;
  const modified = new Date(snapshot.updatedAt);
  res.setHeader("ETag", etag);
  res.setHeader("Last-Modified", modified.toUTCString());
  res.setHeader("Cache-Control", cacheControl);
  const ifNoneMatch = req.get("if-none-match");
  if (ifNoneMatch !== undefined) return matchesIfNoneMatch(ifNoneMatch, etag);
  const since = Date.parse(req.get("if-modified-since") ?? "");
  return Number.isFinite(since) && Math.floor(modified.getTime() / 1000) * 1000 <= since;
}

/** The two `<link rel="alternate">` feed discovery tags for the live page's `<head>`. */
export function feedLinks(publicUrl: string, story: { id: string; title: string }): string {
  const link = (type: string, title: string, href: string) =>
    `<link rel="alternate" type="${escapeHtml(type)}" title="${escapeHtml(title)}" href="${escapeHtml(href)}">`;
  return [
    link("application/atom+xml", `${story.title} (Atom)`, atomFeedUrl(publicUrl, story.id)),
    link("application/feed+json", `${story.title} (JSON Feed)`, jsonFeedUrl(publicUrl, story.id)),
  ].join("\n");
}
