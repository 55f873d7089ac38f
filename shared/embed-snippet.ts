import { textDirection } from "./language.js";
import { plainFirstLine } from "./plain-text.js";
import type { Entry } from "./story.js";
import { updateUrl } from "./update-pages.js";

/** How a widget looks: the crawl or a short list; the site's colours or forced light/dark. */
export type EmbedLayout = "strip" | "list";
export type EmbedTheme = "light" | "dark" | "auto";

export interface EmbedOptions {
  layout?: EmbedLayout;
  theme?: EmbedTheme;
  maxItems?: number;
  /** A hex colour for links, focus rings and the live label; the widget's own when absent. */
  accent?: string;
  /** The placeholder link's text (and so the frame's title), in the story's language: "Live: <title>" by default. */
  label?: string;
}

/** The accents the widget page takes (embed-routes.ts): plain hex, nothing that could escape a style. */
export const HEX_COLOUR = /^#[0-9a-fA-F]{3,8}$/;

const escapeAttribute = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The one line of HTML a publisher pastes (DESIGN.md §3): a placeholder that is a plain link until
 * /embed.js turns it into the live widget, so it degrades to a link without JavaScript.
 * `publicUrl` is the server's absolute base (PUBLIC_URL).
 */
export function embedSnippet(publicUrl: string, story: { id: string; title: string; language?: string }, options: EmbedOptions = {}): string {
  const base = publicUrl.replace(/\/+$/, "");
  const attributes = [
    `data-live-ticker="${escapeAttribute(story.id)}"`,
    `data-layout="${options.layout ?? "strip"}"`,
    // Light unless chosen: most host pages are light whatever the reader's system says, and "auto"
    // (embed.js then follows the host page's color-scheme) is a choice made knowing the page.
    `data-theme="${options.theme ?? "light"}"`,
    ...(options.maxItems ? [`data-max-items="${Math.floor(options.maxItems)}"`] : []),
    ...(options.accent && HEX_COLOUR.test(options.accent) ? [`data-accent="${options.accent}"`] : []),
    // The link stands in the publisher's page, which may be written in another language or direction.
    ...(story.language ? [`lang="${escapeAttribute(story.language)}"`, `dir="${textDirection(story.language)}"`] : []),
  ];
  return (
    `<div ${attributes.join(" ")}><a href="${escapeAttribute(`${base}/stories/${story.id}`)}">${escapeAttribute(options.label ?? `Live: ${story.title}`)}</a></div>\n` +
    `<script async src="${escapeAttribute(`${base}/embed.js`)}"></script>`
  );
}

/** How much of an update's text its quoted snippet carries: a post's worth; the link has the rest. */
const QUOTE_TEXT_MAX = 280;

/**
 * The oEmbed snippet of one update (`/oembed?url=…/stories/:id/updates/:entryId`): a quote of it,
 * plain text in the story's language and direction, that links to the update's own page. No
 * script and no frame: it shows the same in any page, and loads nothing until a reader follows it.
 */
export function updateSnippet(publicUrl: string, story: { id: string; title: string; language?: string }, entry: Entry): string {
  const headline = entry.headline?.trim();
  const text = plainFirstLine(entry.body, QUOTE_TEXT_MAX);
  const language = story.language ? ` lang="${escapeAttribute(story.language)}" dir="${textDirection(story.language)}"` : "";
  return (
    `<blockquote class="live-ticker-update" data-live-ticker-update="${escapeAttribute(entry.id)}"${language}>` +
    (headline ? `<p><strong>${escapeAttribute(headline)}</strong></p>` : "") +
    (text ? `<p>${escapeAttribute(text)}</p>` : "") +
    `<p>— <a href="${escapeAttribute(updateUrl(publicUrl, story.id, entry.id))}">${escapeAttribute(story.title)}</a>, <time datetime="${escapeAttribute(entry.createdAt)}">${escapeAttribute(entry.createdAt.slice(0, 16).replace("T", " "))} UTC</time></p>` +
    `</blockquote>`
  );
}
