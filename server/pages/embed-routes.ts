import { Router, type Response } from "express";
import { join } from "node:path";
import { z } from "zod";
import { embedSnippet, HEX_COLOUR, updateSnippet } from "../../shared/embed-snippet.js";
import { ENTRY_ID_PATTERN, STORY_ID_PATTERN } from "../../shared/story.js";
import type { PageProps } from "../../client/pages.js";
import type { Config } from "../config.js";
import { ApiError } from "../http/errors.js";
import { storyIdOf } from "../http/params.js";
import { sharedCacheControl } from "../http/shared-cache.js";
import type { CacheGauges } from "../metrics.js";
import { RenderedPages, sendRendered } from "./rendered-pages.js";
import { Precompressed } from "./precompressed.js";
import type { Store } from "../store/store.js";
import type { StoryViews } from "../story-views.js";
import { DIST_DIR, type ClientBuild } from "./client-build.js";
import { htmlDocument, themeAttributes } from "./document.js";
import { interfaceLocale, m } from "../../client/lib/i18n.js";
import { listedWithBody } from "../../client/embed/embed-items.js";
import { latestEntries } from "../../client/ticker/ticker-items.js";
import { listView, stripView } from "../../shared/page-data.js";

const EmbedQuery = z.object({
  layout: z.enum(["strip", "list"]).catch("strip"),
  theme: z.enum(["light", "dark", "auto"]).catch("auto"),
  maxItems: z.coerce.number().int().catch(10).transform((n) => Math.min(50, Math.max(1, n))),
  // Only a plain hex colour can reach the page's style attribute.
  accent: z.string().regex(HEX_COLOUR).optional().catch(undefined),
  // "Ask the newsroom" in the widget only where the embedding site opted in (embed.js `data-questions`).
  questions: z.literal("1").optional().catch(undefined),
});

const OembedQuery = z.object({
  url: z.string().min(1, "url is required"),
  format: z.string().optional(),
  // Size hints that make no sense are ignored, as if absent.
  maxwidth: z.coerce.number().int().positive().optional().catch(undefined),
  maxheight: z.coerce.number().int().positive().optional().catch(undefined),
});

/** Heights the widget starts at before it reports its own (embed.js uses the same). */
const STRIP_HEIGHT = 72;
/** An update's quote: a headline and a few lines of text. */
const UPDATE_HEIGHT = 240;
const DEFAULT_WIDTH = 600;

/**
 * What other sites embed: the widget page (framed by EMBED_ORIGINS only), the script that makes
 * the frames, and oEmbed. The site-wide defaults of helmet (frame-ancestors 'self',
 * X-Frame-Options, Cross-Origin-Resource-Policy same-origin) are relaxed here and only here.
 */
/** Where a page's theme attributes go: an attribute-shaped mark no input can produce (themes are checked, accents are hex). */
const THEME_SLOT = " data-theme-slot";

export function embedRoutes(store: Store, views: StoryViews, build: ClientBuild, config: Config, caches: CacheGauges): Router {
  const router = Router();
  const frameAncestors = config.embedOrigins === "*" ? "*" : ["'self'", ...config.embedOrigins].join(" ");
  // Every widget on every publisher's page asks for this: rendered once per version and variant.
  const pages = new RenderedPages();
  caches.set("embed-pages", pages);
  const precompressed = new Precompressed();
  const shared = sharedCacheControl(config.sharedCache);

  router.get("/embed.js", (req, res) => {
    res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
    res.setHeader("Access-Control-Allow-Origin", "*");
    // Not content-hashed (its address is in publishers' pages): cache briefly, revalidate.
    precompressed.send(req, res, join(DIST_DIR, "embed/embed.js"), { maxAge: "5m" });
  });

  router.get("/embed/:id", async (req, res) => {
    const story = await store.latest(storyIdOf(req));
    allowFraming(res, frameAncestors);
    if (!story) {
      // Inside a publisher's page: a quiet note in the frame, not the browser's "refused to connect".
      res.status(404).setHeader("Cache-Control", "no-cache");
      return void res.type("html").send(
        htmlDocument({
          title: "Story not found",
          body: '<p class="embed-missing">This live coverage is not available.</p>',
          assets: build.assets("embed", false),
        }),
      );
    }
    const { layout, theme, maxItems, accent, questions } = EmbedQuery.parse(req.query);
    const theming = themeAttributes({ ...(theme === "auto" ? {} : { theme }), ...(accent ? { style: `--accent: ${accent}; --ticker-accent: ${accent}` } : {}) });
    const unthemed = `embed:${story.id}:${layout}:${maxItems}:${questions ? "questions" : ""}`;
    // Theme and accent come from the URL, so they are part of the key: one URL, one page, for every
    // reader. The costly render is the same in every theme, so it is done once per version and each
    // theme or accent is one insertion into it: any number of accents cannot make the server render.
    const page = await pages.page(`${unthemed}:${theme}:${accent ?? ""}`, story.version, async () => {
      const base = await pages.page(unthemed, story.version, () => {
        // The widget shows at most 50 items: the latest view holds them, whatever the story's length.
        const view = views.view(story, "latest");
        const props: PageProps["embed"] = { snapshot: layout === "strip" ? stripView(view) : view, layout, maxItems, linkBase: config.publicUrl, lang: story.language, questions: questions === "1" };
        const rendered = build.renderers.embed(props);
        // The list's bodies are in its markup, and the entries it does not list it fetches if they come into it.
        const listed = new Set(latestEntries(view, maxItems).map((entry) => entry.id));
        const withBody = new Set(listedWithBody(view, maxItems).map((entry) => entry.id));
        const embedded = layout === "strip" ? props : { ...props, snapshot: listView(view, listed, withBody) };
        return htmlDocument({
          title: m.embed_title({ title: story.title }, { locale: interfaceLocale(story.language) }),
          head: `<meta name="robots" content="noindex">\n${rendered.head}`,
          body: rendered.body,
          assets: build.assets("embed", true),
          props: embedded,
          lang: props.lang,
          htmlAttributes: THEME_SLOT,
        });
      });
      return base.body.toString().replace(THEME_SLOT, theming);
    });
    await sendRendered(req, res, page, shared);
  });

  router.get("/oembed", async (req, res) => {
    const parsed = OembedQuery.safeParse(req.query);
    if (!parsed.success) throw new ApiError(400, "invalid_url", "Give ?url= the address of a live page on this site.");
    const { url, format, maxwidth, maxheight } = parsed.data;
    if (format !== undefined && format !== "json") throw new ApiError(501, "format_not_implemented", "Only format=json is offered.");
    const target = pageInUrl(url, config.publicUrl);
    if (!target) throw new ApiError(400, "invalid_url", `The url must be a live page of ${config.publicUrl}, like ${config.publicUrl}/stories/ID, or an update's page, /stories/ID/updates/ENTRY.`);
    const story = await store.latest(target.storyId);
    if (!story) throw new ApiError(404, "story_not_found", `No story "${target.storyId}".`);
    const entry = target.entryId === undefined ? undefined : story.entries[target.entryId];
    if (target.entryId !== undefined && !entry) throw new ApiError(404, "entry_not_found", `No update "${target.entryId}" in story "${story.id}" (removed, or never there).`);
    const width = Math.min(maxwidth ?? DEFAULT_WIDTH, DEFAULT_WIDTH);
    const height = Math.min(maxheight ?? (entry ? UPDATE_HEIGHT : STRIP_HEIGHT), entry ? UPDATE_HEIGHT : STRIP_HEIGHT);
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Cache-Control", "public, max-age=300");
    res.json({
      version: "1.0",
      type: "rich",
      provider_name: "live-ticker",
      provider_url: config.publicUrl,
      title: entry ? entry.headline?.trim() || story.title : story.title,
      html: entry
        ? updateSnippet(config.publicUrl, story, entry)
        : embedSnippet(config.publicUrl, story, { label: m.embed_title({ title: story.title }, { locale: interfaceLocale(story.language) }) }),
      width,
      height,
      cache_age: 300,
    });
  });

  return router;
}

/** The embed page may be framed by EMBED_ORIGINS: CSP frame-ancestors replaces X-Frame-Options. */
function allowFraming(res: Response, frameAncestors: string): void {
  const csp = String(res.getHeader("Content-Security-Policy") ?? "");
  res.setHeader("Content-Security-Policy", csp.replace(/frame-ancestors [^;]*/, `frame-ancestors ${frameAncestors}`));
  res.removeHeader("X-Frame-Options");
  res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
}

/**
 * What an oEmbed url names, only on this site: `https://news.example/stories/kyiv-strikes#e_1` the
 * story "kyiv-strikes", `…/stories/kyiv-strikes/updates/e_1` its update "e_1".
 */
export function pageInUrl(url: string, publicUrl: string): { storyId: string; entryId?: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const base = new URL(publicUrl);
  if (parsed.origin !== base.origin) return undefined;
  const match = /^\/stories\/([^/]+)(?:\/updates\/([^/]+))?\/?$/.exec(parsed.pathname);
  if (!match || !STORY_ID_PATTERN.test(match[1]!)) return undefined;
  if (match[2] === undefined) return { storyId: match[1]! };
  return ENTRY_ID_PATTERN.test(match[2]) ? { storyId: match[1]!, entryId: match[2] } : undefined;
}
