import { entriesInDisplayOrder } from "../../shared/display-order.js";
import { EMBED_PROVIDERS, mediaPath, mediaVariants, type ImageItem, type MediaVariant } from "../../shared/media.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { escapeHtml } from "../pages/document.js";

/**
 * Photos and embeds where the reader apps are not: feeds, structured data, link previews. They
 * get one absolute URL per photo, of its 960 px JPEG (or the largest variant of a smaller image):
 * the format every feed reader and crawler decodes, at a size previews and feeds display.
 */
export function shareVariant(image: Pick<ImageItem, "width" | "height">): MediaVariant {
  const variants = mediaVariants(image.width, image.height);
  return variants.find((variant) => variant.name === 960) ?? variants[variants.length - 1]!;
}

export const imageUrl = (publicUrl: string, image: ImageItem): string => `${publicUrl.replace(/\/+$/, "")}${mediaPath(image.id, shareVariant(image).name, "jpeg")}`;

export const imagesOf = (entry: Entry): ImageItem[] => (entry.media ?? []).filter((item): item is ImageItem => item.type === "image");

/** The story's first photo as readers see the page (pinned entries first, then newest), for Open Graph. */
export const firstImage = (story: Snapshot): ImageItem | undefined => entriesInDisplayOrder(story).flatMap(imagesOf)[0];

/**
 * An entry's media as plain HTML after its text: each photo as a `<figure>` with its alt text and
 * caption, each embed as a link named by its title (or its URL) with its caption (no feed reader
 * should run a platform's scripts).
 */
export function mediaHtml(entry: Entry, publicUrl: string): string {
  return (entry.media ?? [])
    .map((item) => {
      if (item.type === "embed") {
        const url = escapeHtml(item.url);
        const caption = item.caption ? ` ${escapeHtml(item.caption)}` : "";
        return `<p><a href="${url}">${escapeHtml(EMBED_PROVIDERS[item.provider])}: ${item.title ? escapeHtml(item.title) : url}</a>${caption}</p>`;
      }
      const { width, height } = shareVariant(item);
      const caption = [item.caption, item.credit].filter(Boolean).map((text) => escapeHtml(text!)).join(" ");
      return (
        `<figure><img src="${escapeHtml(imageUrl(publicUrl, item))}" width="${width}" height="${height}" alt="${escapeHtml(item.alt)}">` +
        `${caption ? `<figcaption>${caption}</figcaption>` : ""}</figure>`
      );
    })
    .join("");
}
