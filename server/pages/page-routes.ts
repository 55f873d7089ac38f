import express, { Router, type Request, type Response } from "express";
import { join } from "node:path";
import type { PageName, PageProps } from "../../client/pages.js";
import type { Renderers } from "../../client/ssr.js";
import type { Snapshot } from "../../shared/story.js";
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
import { liveBlogPosting } from "./json-ld.js";
import { firstImage, imageUrl, shareVariant } from "../media/media-links.js";
import type { CacheGauges } from "../metrics.js";
import { RenderedPages, sendRendered } from "./rendered-pages.js";
import { interfaceLocale, m } from "../../client/lib/i18n.js";
import { localNumber } from "../../client/lib/local-number.js";
import { Precompressed } from "./precompressed.js";

const HISTORY_PAGE = 500;
/** A built file's name as Vite writes it (flat, hashed): nothing that could climb out of the folder. */
const BUILT_NAME = /^\/[\w-]+(\.[\w-]+)*$/;
/** A page without a bundle of its own takes another's styles. */
const STYLES_OF: Partial<Record<PageName, PageName>> = { older: "live" };

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
      const image = firstImage(story);
      const preview = image && shareVariant(image);
      const head = [
        `<meta property="og:type" content="article">`,
        `<meta property="og:title" content="${escapeHtml(story.title)}">`,
        `<meta property="og:url" content="${escapeHtml(url)}">`,
        story.summary ? `<meta property="og:description" content="${escapeHtml(story.summary)}">` : "",
        ...(image && preview
          ? [
              `<meta property="og:image" content="${escapeHtml(imageUrl(publicUrl, image))}">`,
              `<meta property="og:image:type" content="image/jpeg">`,
              `<meta property="og:image:width" content="${preview.width}">`,
              `<meta property="og:image:height" content="${preview.height}">`,
              `<meta property="og:image:alt" content="${escapeHtml(image.alt)}">`,
              `<meta name="twitter:card" content="summary_large_image">`,
            ]
          : [`<meta name="twitter:card" content="summary">`]),
        feedLinks(publicUrl, story),
        `<link rel="alternate" type="application/json+oembed" href="${escapeHtml(`${publicUrl}/oembed?url=${encodeURIComponent(url)}&format=json`)}" title="${escapeHtml(story.title)}">`,
        pageLinks,
        `<script type="application/ld+json">${scriptJson(liveBlogPosting(story, url, publicUrl))}</script>`,
      ].join("\n");
      const props: PageProps["live"] = { snapshot: story, latestSize: views.latestSize, lang: story.language };
      return page(build, "live", props, { title: story.title, description: story.summary || story.title, canonicalUrl: url, head });
    });
    await sendRendered(req, res, html, shared);
  });

  router.get("/stories/:id/history", async (req, res) => {
    const story = await storyOr404(req, res);
    if (!story) return;
    const html = await rendered.page(`history:${story.id}`, story.version, async () => {
      // Up to this version only: the page is kept under it, and a later write makes a page of its own.
      const versions = (await store.history(story.id, { before: story.version + 1, limit: HISTORY_PAGE })) ?? [];
      const props: PageProps["history"] = { story, versions, figures: await figureTimelines(store, story), lang: story.language };
      const locale = { locale: interfaceLocale(story.language) };
      return page(build, "history", props, { title: m.history_title({ title: story.title }, locale), description: m.history_description({ title: story.title }, locale) });
    });
    await sendRendered(req, res, html, shared);
  });

  router.get("/stories/:id/ticker", async (req, res) => {
    const story = await storyOr404(req, res);
    if (!story) return;
    const maxItems = Math.min(versionQuery(req, "maxItems") ?? 10, 50);
    const html = await rendered.page(`ticker:${story.id}:${maxItems}`, story.version, () => {
      // The latest view holds far more than the 50 headlines a strip may show.
      const props: PageProps["ticker"] = { snapshot: views.view(story, "latest"), maxItems, lang: story.language };
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

function page<P extends keyof Renderers>(
  build: ClientBuild,
  name: P,
  props: PageProps[P],
  meta: { title: string; description?: string; canonicalUrl?: string; head?: string },
  hydrate = true,
): string {
  const rendered = build.renderers[name](props as never);
  return htmlDocument({
    ...meta,
    head: `${meta.head ?? ""}\n${rendered.head}`,
    body: rendered.body,
    assets: build.assets(STYLES_OF[name] ?? name, hydrate),
    ...(hydrate ? { props } : {}),
    lang: props.lang, // one value for <html lang> and the language the components write times in
  });
}

/** Pages that are not kept by shared caches (the list, which any story's change alters; a 404). */
function send(res: Response, status: number, html: string): void {
  res.status(status).setHeader("Cache-Control", "no-cache").type("html").send(html);
}
