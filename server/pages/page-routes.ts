import express, { Router, type Request, type Response } from "express";
import type { PageProps } from "../../client/pages.js";
import type { Renderers } from "../../client/ssr.js";
import type { Snapshot } from "../../shared/story.js";
import type { Config } from "../config.js";
import { feedLinks } from "../feeds/feed-routes.js";
import type { Store } from "../store/store.js";
import { storyIdOf, versionQuery } from "../http/params.js";
import { ASSETS_DIR, type ClientBuild } from "./client-build.js";
import { frameOrigins } from "../../shared/embed-frames.js";
import { allowFrames, cspNonce } from "../http/security-headers.js";
import { escapeHtml, htmlDocument, nonceAttribute, scriptJson } from "./document.js";
import { figureTimelines } from "./figure-timelines.js";
import { liveBlogPosting } from "./json-ld.js";
import { firstImage, imageUrl, shareVariant } from "../media/media-links.js";
import { RenderedPages } from "./rendered-pages.js";

const HISTORY_PAGE = 500;

/** The reader's HTML pages: rendered on the server with the apps' own components, then hydrated. */
export function pageRoutes(store: Store, build: ClientBuild, config: Config): Router {
  const router = Router();
  const rendered = new RenderedPages();

  // Hashed file names: a build never changes a file in place, so browsers may keep them forever.
  router.use("/assets", express.static(`${ASSETS_DIR}/assets`, { immutable: true, maxAge: "365d", index: false, fallthrough: false }));

  router.get("/", async (_req, res) => {
    const props: PageProps["list"] = { stories: await store.listStories(), renderedAt: new Date().toISOString() };
    send(res, 200, page(cspNonce(res), build, "list", props, { title: "Live coverage", description: "Stories covered live." }, false));
  });

  router.get("/stories/:id", async (req, res) => {
    const story = await storyOr404(req, res);
    if (!story) return;
    // The page hydrates with this snapshot and offers exactly these frames (client/lib/media/frame-origins.ts).
    allowFrames(res, frameOrigins(Object.values(story.entries)));
    const html = await rendered.html(`live:${story.id}@${story.version}`, { nonce: cspNonce(res) }, ({ nonce }, renderedAt) => {
      const { publicUrl } = config;
      const url = `${publicUrl}/stories/${story.id}`;
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
        `<script type="application/ld+json"${nonceAttribute(nonce)}>${scriptJson(liveBlogPosting(story, url, publicUrl))}</script>`,
      ].join("\n");
      const props: PageProps["live"] = { snapshot: story, renderedAt };
      return page(nonce, build, "live", props, { title: story.title, description: story.summary || story.title, canonicalUrl: url, head });
    });
    send(res, 200, html);
  });

  router.get("/stories/:id/history", async (req, res) => {
    const story = await storyOr404(req, res);
    if (!story) return;
    const html = await rendered.html(`history:${story.id}@${story.version}`, { nonce: cspNonce(res) }, async ({ nonce }, renderedAt) => {
      // Up to this version only: the page is kept under it, and a later write makes a page of its own.
      const versions = (await store.history(story.id, { before: story.version + 1, limit: HISTORY_PAGE })) ?? [];
      const props: PageProps["history"] = { story, versions, figures: await figureTimelines(store, story), renderedAt };
      return page(nonce, build, "history", props, { title: `History: ${story.title}`, description: `Every change to "${story.title}", with corrections.` });
    });
    send(res, 200, html);
  });

  router.get("/stories/:id/ticker", async (req, res) => {
    const story = await storyOr404(req, res);
    if (!story) return;
    const maxItems = Math.min(versionQuery(req, "maxItems") ?? 10, 50);
    const html = await rendered.html(`ticker:${story.id}@${story.version}:${maxItems}`, { nonce: cspNonce(res) }, ({ nonce }, renderedAt) => {
      const props: PageProps["ticker"] = { snapshot: story, renderedAt, maxItems };
      return page(nonce, build, "ticker", props, { title: `${story.title}: ticker` });
    });
    send(res, 200, html);
  });

  // The desk renders in the browser; it is never framed, so no other site can dress it up (clickjacking).
  router.get("/editor", (_req, res) => {
    res.setHeader("Content-Security-Policy", res.getHeader("Content-Security-Policy")!.toString().replace("frame-ancestors 'self'", "frame-ancestors 'none'"));
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Cache-Control", "no-store");
    send(res, 200, htmlDocument({ title: "Editor's desk: live-ticker", body: "", assets: build.assets("editor", true), nonce: cspNonce(res) }));
  });

  async function storyOr404(req: Request, res: Response): Promise<Snapshot | undefined> {
    const story = await store.latest(storyIdOf(req));
    if (!story) {
      const props: PageProps["list"] = {
        stories: await store.listStories(),
        renderedAt: new Date().toISOString(),
        notice: "We could not find that story. Here is what we are covering.",
      };
      send(res, 404, page(cspNonce(res), build, "list", props, { title: "Story not found" }, false));
    }
    return story;
  }

  return router;
}

function page<P extends keyof Renderers>(
  nonce: string,
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
    assets: build.assets(name, hydrate),
    ...(hydrate ? { props } : {}),
    lang: props.lang, // one value for <html lang> and the language the components write times in
    nonce,
  });
}

function send(res: Response, status: number, html: string): void {
  res.status(status).setHeader("Cache-Control", "no-cache").type("html").send(html);
}
