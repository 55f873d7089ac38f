import { textDirection } from "./language.js";

/** How a widget looks: the crawl or a short list; the site's colours or forced light/dark. */
export type EmbedLayout = "strip" | "list";
export type EmbedTheme = "light" | "dark" | "auto";

export interface EmbedOptions {
  layout?: EmbedLayout;
  theme?: EmbedTheme;
  maxItems?: number;
  /** The placeholder link's text (and so the frame's title), in the story's language: "Live: <title>" by default. */
  label?: string;
}

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
    `data-theme="${options.theme ?? "auto"}"`,
    ...(options.maxItems ? [`data-max-items="${Math.floor(options.maxItems)}"`] : []),
    // The link stands in the publisher's page, which may be written in another language or direction.
    ...(story.language ? [`lang="${escapeAttribute(story.language)}"`, `dir="${textDirection(story.language)}"`] : []),
  ];
  return (
    `<div ${attributes.join(" ")}><a href="${escapeAttribute(`${base}/stories/${story.id}`)}">${escapeAttribute(options.label ?? `Live: ${story.title}`)}</a></div>\n` +
    `<script async src="${escapeAttribute(`${base}/embed.js`)}"></script>`
  );
}
