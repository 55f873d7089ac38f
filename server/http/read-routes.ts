import { Router, type Request, type Response } from "express";
import type { HistoryItem, HistoryResponse, PatchResponse, StoryListResponse } from "../../shared/api.js";
import type { EntriesPage } from "../../shared/entry-pages.js";
import { diffSnapshots } from "../../shared/patch.js";
import { ENTRY_PAGE_LIMIT, type ViewName } from "../../shared/view-names.js";
import { LatestCache } from "../latest-cache.js";
import type { CacheGauges } from "../metrics.js";
import type { Store } from "../store/store.js";
import type { StoryViews } from "../story-views.js";
import { ApiError } from "./errors.js";
import { beforeEntryQuery, storyIdOf, versionQuery, viewQuery } from "./params.js";
import { publicPreflight, publicRead } from "./public-reads.js";
import { matchesIfNoneMatch, sharedCacheControl, validated, type SharedCache } from "./shared-cache.js";
import { sendEncoded } from "./encoded-body.js";
import type { VersionBodies } from "./version-bodies.js";

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";
const HISTORY_PAGE = { default: 100, max: 500 };
const ENTRY_PAGE = { default: 50, max: ENTRY_PAGE_LIMIT };
/** How many bytes of the latest versions' JSON (views, entry pages) are kept encoded, for the busiest stories (given versions: VersionBodies). */
export const ENCODED_LATEST_BUDGET = 32 * 1024 * 1024;

/** Anonymous, read-only routes of DESIGN.md §3. */
export function readRoutes(store: Store, views: StoryViews, cache: SharedCache, versionBodies: VersionBodies, caches: CacheGauges): Router {
  const router = Router();
  const latest = sharedCacheControl(cache);
  // A version's JSON never changes: encoded once, it is sent as it is to every reader who asks.
  const encoded = new LatestCache<Buffer>(ENCODED_LATEST_BUDGET, (json) => json.byteLength);
  caches.set("latest-json", encoded);
  const encodeAs = (slot: string, version: number, value: () => unknown): Buffer =>
    encoded.get(slot, version) ?? encoded.set(slot, version, Buffer.from(JSON.stringify(value())));

  // Public data (http/public-reads.ts); only these routes get a CORS grant.
  router.options(["/stories", "/stories/:id", "/stories/:id/patch", "/stories/:id/history", "/stories/:id/entries"], publicPreflight);

  router.get("/stories", publicRead, async (_req, res) => {
    res.setHeader("Cache-Control", REVALIDATE);
    res.json({ stories: await store.listStories() } satisfies StoryListResponse);
  });

  router.get("/stories/:id", publicRead, async (req, res) => {
    const storyId = storyIdOf(req);
    const version = versionQuery(req, "version");
    const view = viewQuery(req);
    if (version !== undefined) return void (await sendVersion(req, res, storyId, version, view));
    const snapshot = await store.latest(storyId);
    if (!snapshot) throw await notFound(store, storyId);
    const body = () => encodeAs(`${snapshot.id}/${view}`, snapshot.version, () => views.view(snapshot, view));
    // The latest version is what every reader gets alike, briefly shared.
    if (validated(req, res, `"${snapshot.version}"`, latest)) return void res.status(304).end();
    res.type("application/json").send(body());
  });

  /**
   * A given version never changes: its body is kept once built (and compressed once per encoding),
   * and a reader who has it gets a 304 without it being rebuilt.
   */
  async function sendVersion(req: Request, res: Response, storyId: string, version: number, view: ViewName): Promise<void> {
    const key = `${storyId}@${version}/${view}`;
    const etag = `"${version}"`;
    res.vary("Accept-Encoding");
    const kept = versionBodies.kept(key);
    if (!kept && matchesIfNoneMatch(req.get("if-none-match"), etag)) {
      const head = await store.latest(storyId);
      if (head && version <= head.version) {
        validated(req, res, etag, IMMUTABLE);
        return void res.status(304).end();
      }
    }
    const body =
      kept ??
      (await versionBodies.body(key, async () => {
        const snapshot = await store.snapshotAt(storyId, version);
        return snapshot && Buffer.from(JSON.stringify(views.view(snapshot, view)));
      }));
    if (!body) throw await notFound(store, storyId, version);
    if (validated(req, res, etag, IMMUTABLE)) return void res.status(304).end();
    await sendEncoded(req, res, body, "application/json");
  }

  // Older entries on demand (DESIGN.md §4), by cursor: the same for every reader of a version.
  router.get("/stories/:id/entries", publicRead, async (req, res) => {
    const storyId = storyIdOf(req);
    const before = beforeEntryQuery(req);
    const limit = versionQuery(req, "limit", "validation_failed") ?? ENTRY_PAGE.default;
    if (limit > ENTRY_PAGE.max) throw new ApiError(400, "validation_failed", `?limit must be at most ${ENTRY_PAGE.max}.`);
    const snapshot = await store.latest(storyId);
    if (!snapshot) throw await notFound(store, storyId);
    const page = views.entries(snapshot, before, limit);
    if (!page) {
      throw new ApiError(404, "entry_not_found", `No entry "${before}" in this story at version ${snapshot.version} (removed, or never there): page from an entry you still show.`, {
        latestVersion: snapshot.version,
      });
    }
    const body = () => encodeAs(`${snapshot.id}/entries?${before ?? ""}:${limit}`, snapshot.version, () => page satisfies EntriesPage);
    if (validated(req, res, `"${snapshot.version}"`, latest)) return void res.status(304).end();
    res.type("application/json").send(body());
  });

  router.get("/stories/:id/patch", publicRead, async (req, res) => {
    const storyId = storyIdOf(req);
    const from = versionQuery(req, "from");
    const to = versionQuery(req, "to");
    if (from === undefined) throw new ApiError(400, "invalid_version", "?from is required: the version you have.");
    if (to !== undefined && from > to) throw new ApiError(400, "invalid_version", "?from must not be greater than ?to.");
    const target = to === undefined ? await store.latest(storyId) : await store.snapshotAt(storyId, to);
    if (!target) throw await notFound(store, storyId, to);
    if (from > target.version) {
      throw new ApiError(404, "version_not_found", `The story is at version ${target.version}.`, { latestVersion: target.version });
    }
    const base = await store.snapshotAt(storyId, from);
    if (!base) throw await notFound(store, storyId, from);
    res.setHeader("Cache-Control", to === undefined ? REVALIDATE : IMMUTABLE);
    res.json({ storyId, from, to: target.version, ops: diffSnapshots(base, target) } satisfies PatchResponse);
  });

  router.get("/stories/:id/history", publicRead, async (req, res) => {
    const storyId = storyIdOf(req);
    const before = versionQuery(req, "before");
    const limit = Math.min(versionQuery(req, "limit", "validation_failed") ?? HISTORY_PAGE.default, HISTORY_PAGE.max);
    const versions: HistoryItem[] | undefined = await store.history(storyId, { limit, ...(before ? { before } : {}) });
    if (!versions) throw await notFound(store, storyId);
    res.setHeader("Cache-Control", REVALIDATE);
    res.json({ storyId, versions } satisfies HistoryResponse);
  });

  return router;
}

async function notFound(store: Store, storyId: string, version?: number): Promise<ApiError> {
  const latest = await store.latest(storyId);
  if (!latest) return new ApiError(404, "story_not_found", `No story "${storyId}".`);
  return new ApiError(404, "version_not_found", `Version ${version} does not exist; the story is at version ${latest.version}.`, {
    latestVersion: latest.version,
  });
}
