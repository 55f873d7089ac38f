import express, { Router, type Request, type Response } from "express";
import { join } from "node:path";
import type { PageProps } from "../../client/pages.js";
import type { Config } from "../config.js";
import { feedLinks } from "../feeds/feed-routes.js";
import type { Store } from "../store/store.js";
import type { StoryViews } from "../story-views.js";
import { storyIdOf, versionQuery } from "../http/params.js";
import { ASSETS_DIR, type ClientBuild } from "./client-build.js";
import { frameOrigins } from "../../shared/embed-frames.js";
import { allowFrames } from "../http/security-headers.js";
import { sharedCacheControl } from "../http/shared-cache.js";
import { escapeHtml, htmlDocument, scriptJson } from "./document.js";
import { figureTimelines } from "./figure-timelines.js";
import { historyPage } from "./history-pages.js";
import type { HistoryFilter } from "../../shared/history-filter.js";
import type { HistoryItem } from "../../shared/api.js";
import { entryLabel } from "../../shared/entry-label.js";
import { LIMITS } from "../../shared/limits.js";
import { ApiError } from "../http/errors.js";
import { liveBlogPosting, updatePosting } from "./json-ld.js";
import { openGraphTags } from "./open-graph.js";
import { firstImage, imagesOf } from "../media/media-links.js";
import { ENTRY_ID_PATTERN, type Entry, type Snapshot } from "../../shared/story.js";
import { plainFirstLine } from "../../shared/plain-text.js";
import { stripView, withoutRenderedHtml } from "../../shared/page-data.js";
import { pageOfUpdate, updateUrl } from "../../shared/update-pages.js";
import type { CacheGauges } from "../metrics.js";
import { RenderedPages, sendRendered } from "./rendered-pages.js";
import { interfaceLocale, m } from "../../client/lib/i18n.js";
import { localNumber } from "../../client/lib/local-number.js";
import { Precompressed } from "./precompressed.js";
import { page, send } from "./render-page.js";

/** An update page's title and description, from its headline or its text (share cards cut them about here). */
const TITLE_MAX = 110;
const DESCRIPTION_MAX = 200;
/** A built file's name as Vite writes it (flat, hashed): nothing that could climb out of the folder. */
const BUILT_NAME = /^\/[\w-]+(\.[\w-]+)*$/;

/** The reader's HTML pages: rendered on the server with the apps' own components, then hydrated. */
export function pageRoutes(store: Store, views: StoryViews, build: ClientBuild, config: Config, caches: CacheGauges): Router {
  const router = Router();
  const rendered = new RenderedPages();
  caches.set("pages", rendered);
  const precompressed = new Precompressed();
  const shared = sharedCacheControl(config.sharedCache);

  // Hashed file names: a build never changes a file in place, so browsers may keep them forever.
  // Scripts and styles go out as the build compressed them (precompressed.ts); anything else as it is.
  const forever = { immutable: true, maxAge: "365d" };
  router.use(
    "/assets",
    (req, res, next) => {
      const path = join(ASSETS_DIR, "assets", req.path);
      if ((req.method === "GET" || req.method === "HEAD") && BUILT_NAME.test(req.path) && precompressed.has(path)) return precompressed.send(req, res, path, forever);
      next();
    },
    express.static(`${ASSETS_DIR}/assets`, { ...forever, index: false, fallthrough: false }),
  );

  // Pages that belong to no story speak the site's language (SITE_LANGUAGE): the same bytes for every reader.
  const site = { locale: interfaceLocale(config.siteLanguage) };

  router.get("/", async (_req, res) => {
    const props: PageProps["list"] = { stories: await store.listStories(), lang: config.siteLanguage };
    send(res, 200, page(build, "list", props, { title: m.list_title({}, site), description: m.list_description({}, site) }, false));
  });

  router.get("/stories/:id", async (req, res) => {
    const pageNumber = versionQuery(req, "page", "invalid_page") ?? 1;
    const full = await storyOr404(req, res);
    if (!full) return;
    const numbered = views.numbered(full, pageNumber);
    if (!numbered) return void sendList(res, 404, m.list_page_not_found({}, site));
    const { publicUrl } = config;
    const url = `${publicUrl}/stories/${full.id}`;
    const pageUrl = (n: number) => (n === 1 ? url : `${url}?page=${n}`);
    // rel=prev/next between the numbered pages, so every entry stays reachable without JavaScript.
    const pageLinks = [
      numbered.page > 1 ? `<link rel="prev" href="${escapeHtml(pageUrl(numbered.page - 1))}">` : "",
      numbered.page < numbered.pages ? `<link rel="next" href="${escapeHtml(pageUrl(numbered.page + 1))}">` : "",
    ].join("\n");
    if (numbered.page > 1) {
      const html = await rendered.page(`older:${full.id}:${numbered.page}`, full.version, () => {
        const { entries: _entries, ...story } = views.view(full, "latest");
        const props: PageProps["older"] = { story, entries: numbered.entries, page: numbered.page, pages: numbered.pages, lang: story.language };
        const title = m.older_page_title({ title: story.title, page: localNumber(numbered.page, story.language) }, { locale: interfaceLocale(story.language) });
        return page(build, "older", props, { title, description: story.summary || story.title, canonicalUrl: pageUrl(numbered.page), head: pageLinks }, false);
      });
      return void (await sendRendered(req, res, html, shared));
    }
    // The page shows, and hydrates with, the latest view: its cost does not grow with the story.
    const story = views.view(full, "latest");
    // The page offers exactly these frames (client/lib/media/frame-origins.ts); older entries loaded later show embeds from elsewhere as links.
    allowFrames(res, frameOrigins(Object.values(story.entries)));
    const html = await rendered.page(`live:${story.id}`, story.version, () => {
      const head = [
        ...openGraphTags(publicUrl, { title: story.title, url, description: story.summary, image: firstImage(story) }),
        feedLinks(publicUrl, story),
        `<link rel="alternate" type="application/json+oembed" href="${escapeHtml(`${publicUrl}/oembed?url=${encodeURIComponent(url)}&format=json`)}" title="${escapeHtml(story.title)}">`,
        pageLinks,
        `<script type="application/ld+json">${scriptJson(liveBlogPosting(story, url, publicUrl))}</script>`,
      ].join("\n");
      const props: PageProps["live"] = { snapshot: story, latestSize: views.latestSize, lang: story.language };
      // Every entry of the view is rendered, its HTML with it: the page data need not carry it again.
      const embedded = { ...props, snapshot: withoutRenderedHtml(story) };
      return page(build, "live", props, { title: story.title, description: story.summary || story.title, canonicalUrl: url, head }, true, embedded);
    });
    await sendRendered(req, res, html, shared);
  });

  // The page of one update (DESIGN.md §3): what a shared link opens. 404 for an id the story never
  // had, 410 (and when) for one it removed; both as cacheable as the live page.
  router.get("/stories/:id/updates/:entryId", async (req, res) => {
    const entryId = String(req.params.entryId);
    const full = await storyOr404(req, res);
    if (!full) return;
    const entry = ENTRY_ID_PATTERN.test(entryId) ? full.entries[entryId] : undefined;
    const removal = entry || !ENTRY_ID_PATTERN.test(entryId) ? undefined : (await store.removedEntries(full.id))?.find((removed) => removed.entryId === entryId);
    if (!entry && !removal) return void (await sendList(res, 404, m.list_update_not_found({}, site)));
    if (entry) allowFrames(res, frameOrigins([entry]));
    const html = await rendered.page(`update:${full.id}:${entryId}`, full.version, () => {
      const { entries: _entries, ...story } = full;
      const { publicUrl } = config;
      const liveUrl = `${publicUrl}/stories/${full.id}`;
      const title = (entry && updateTitle(entry)) || story.title;
      if (!entry) {
        const props: PageProps["update"] = { story, entryId, entry: null, removedAt: removal!.at, back: `/stories/${full.id}`, lang: story.language };
        return page(build, "update", props, { title, head: `<meta name="robots" content="noindex">` }, false);
      }
      const pageNumber = pageOfUpdate(full, entry.id, views.latestSize) ?? 1;
      const back = `/stories/${full.id}${pageNumber > 1 ? `?page=${pageNumber}` : ""}#${entry.id}`;
      const url = updateUrl(publicUrl, full.id, entry.id);
      const description = entry.headline?.trim() ? plainFirstLine(entry.body, DESCRIPTION_MAX) : story.title;
      const head = [
        ...openGraphTags(publicUrl, { title, url, description, image: imagesOf(entry)[0], published: entry.createdAt, modified: entry.updatedAt }),
        `<meta property="og:site_name" content="${escapeHtml(story.title)}">`,
        `<link rel="alternate" type="application/json+oembed" href="${escapeHtml(`${publicUrl}/oembed?url=${encodeURIComponent(url)}&format=json`)}" title="${escapeHtml(title)}">`,
        `<script type="application/ld+json">${scriptJson(updatePosting(full, entry, liveUrl, publicUrl))}</script>`,
      ].join("\n");
      const props: PageProps["update"] = { story, entryId, entry, back, lang: story.language };
      return page(build, "update", props, { title: `${title} · ${story.title}`, description, canonicalUrl: url, head });
    });
    await sendRendered(req, res, html, shared, entry ? 200 : 410);
  });

  // 50 versions a page, older pages by `?before=` (server-rendered links), filtered by `?author=`
  // and to one update's changes by `?entry=` (shared/history-filter.ts).
  router.get("/stories/:id/history", async (req, res) => {
    const before = versionQuery(req, "before");
    const filter = historyFilterOf(req);
    const story = await storyOr404(req, res);
    if (!story) return;
    const slot = `history:${story.id}:${before ?? ""}:${filter.entryId ?? ""}:${filter.author ?? ""}`;
    const html = await rendered.page(slot, story.version, async () => {
      // Up to this version only: the page is kept under it, and a later write makes a page of its own.
      const { versions, older } = await historyPage(store, story.id, Math.min(before ?? Infinity, story.version + 1), filter);
      const first = before === undefined && filter.author === undefined && filter.entryId === undefined;
      const update = filter.entryId === undefined ? undefined : story.entries[filter.entryId];
      const { entries: _entries, ...storyHead } = story;
      const props: PageProps["history"] = {
        story: storyHead,
        versions,
        ...(first ? { figures: await figureTimelines(store, story) } : {}),
        ...(older === undefined ? {} : { older }),
        filter,
        authors: historyAuthors(story, versions, filter),
        ...(filter.entryId === undefined ? {} : { update: { id: filter.entryId, label: update ? entryLabel(update) : labelInHistory(versions, filter.entryId), removed: !update } }),
        paged: before !== undefined,
        lang: story.language,
      };
      const locale = { locale: interfaceLocale(story.language) };
      const head = first ? "" : `<meta name="robots" content="noindex">`;
      return page(build, "history", props, { title: m.history_title({ title: story.title }, locale), description: m.history_description({ title: story.title }, locale), head });
    });
    await sendRendered(req, res, html, shared);
  });

  router.get("/stories/:id/ticker", async (req, res) => {
    const story = await storyOr404(req, res);
    if (!story) return;
    const maxItems = Math.min(versionQuery(req, "maxItems") ?? 10, 50);
    const html = await rendered.page(`ticker:${story.id}:${maxItems}`, story.version, () => {
      // The latest view, as light as a strip needs it (it shows at most 50 headlines of it).
      const props: PageProps["ticker"] = { snapshot: stripView(views.view(story, "latest")), maxItems, lang: story.language };
      return page(build, "ticker", props, { title: m.ticker_title({ title: story.title }, { locale: interfaceLocale(story.language) }) });
    });
    await sendRendered(req, res, html, shared);
  });

  // The desk renders in the browser; it is never framed, so no other site can dress it up (clickjacking).
  router.get("/editor", (_req, res) => {
    res.setHeader("Content-Security-Policy", res.getHeader("Content-Security-Policy")!.toString().replace("frame-ancestors 'self'", "frame-ancestors 'none'"));
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Cache-Control", "no-store");
    // Before anyone signs in the desk speaks the site's language, read from <html lang>.
    send(res, 200, htmlDocument({ title: m.desk_title_sign_in({}, site), body: "", assets: build.assets("editor", true), lang: config.siteLanguage }));
  });

  async function storyOr404(req: Request, res: Response): Promise<Snapshot | undefined> {
    const story = await store.latest(storyIdOf(req));
    if (!story) await sendList(res, 404, m.list_not_found({}, site));
    return story;
  }

  async function sendList(res: Response, status: number, notice: string): Promise<void> {
    const props: PageProps["list"] = { stories: await store.listStories(), notice, lang: config.siteLanguage };
    send(res, status, page(build, "list", props, { title: m.list_not_found_title({}, site) }, false));
  }

  return router;
}

/** `?author=` and `?entry=` of the history page: one of each at most, a byline's length, an entry id's shape. */
function historyFilterOf(req: Request): HistoryFilter {
  const { author, entry } = req.query;
  if (author !== undefined && (typeof author !== "string" || author.length > LIMITS.authorName)) throw new ApiError(400, "invalid_filter", `author is one byline of at most ${LIMITS.authorName} characters.`);
  if (entry !== undefined && (typeof entry !== "string" || !ENTRY_ID_PATTERN.test(entry))) throw new ApiError(400, "invalid_filter", "entry is an entry id, like e_7Gh2.");
  return { ...(author ? { author } : {}), ...(entry ? { entryId: entry } : {}) };
}

/**
 * Who the author filter offers: the story's bylines, those on this page and the one chosen, in
 * alphabetical order. From what is at hand, not the whole log, which a page must not read.
 */
function historyAuthors(story: Snapshot, versions: HistoryItem[], filter: HistoryFilter): string[] {
  const names = new Set([...Object.values(story.entries).map((entry) => entry.author.name), ...versions.map((item) => item.author.name)]);
  if (filter.author !== undefined) names.add(filter.author);
  return [...names].sort((a, b) => a.localeCompare(b));
}

/** A removed update's label as the history recorded it. */
function labelInHistory(versions: HistoryItem[], entryId: string): string | undefined {
  for (const item of versions) for (const change of item.changes) if ("entryId" in change && change.entryId === entryId && change.label) return change.label;
  return undefined;
}

/** An update's name on its page and card: its headline, else its first line. */
function updateTitle(entry: Entry): string {
  return entry.headline?.trim() || plainFirstLine(entry.body, TITLE_MAX);
}
