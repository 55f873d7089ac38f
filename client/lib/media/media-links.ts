import { embedSourceName, isVideo } from "../../../shared/embed-frames.js";
import { mediaPath, mediaVariants } from "../../../shared/media-constants.js";
import type { EmbedItem, MediaItem } from "../../../shared/media.js";
import { m, type Locale } from "../i18n.js";

/**
 * Photos and embeds where they are shown as links (the history, the embed widget's list, the ticker):
 * what each is called and where its link goes. Pure, for the server render, the browser and tests.
 */

/** "Photo", "YouTube video", "Post on X", in the page's interface language. */
export function mediaName(item: MediaItem, ui: Locale = "en"): string {
  if (item.type === "image") return m.media_photo({}, { locale: ui });
  const name = embedSourceName(item);
  return isVideo(item) ? m.media_video({ name }, { locale: ui }) : m.media_post({ name }, { locale: ui });
}

/** What the reader is offered: "Show YouTube video", "Show post on X", "Show post on Mastodon (mastodon.social)". */
export function showLabel(item: Pick<EmbedItem, "provider" | "url">, ui: Locale = "en"): string {
  const name = embedSourceName(item);
  return isVideo(item) ? m.embed_show_video({ name }, { locale: ui }) : m.embed_show_post({ name }, { locale: ui });
}

/** What the link to the original says: "Watch on YouTube", "View on X", "View on Mastodon (mastodon.social)". */
export function linkLabel(item: Pick<EmbedItem, "provider" | "url">, ui: Locale = "en"): string {
  const name = embedSourceName(item);
  return isVideo(item) ? m.embed_watch_on({ name }, { locale: ui }) : m.embed_view_on({ name }, { locale: ui });
}

/** The photo at its largest served size, or the post on its platform. */
export function mediaHref(item: MediaItem): string {
  if (item.type === "embed") return item.url;
  return mediaPath(item.id, mediaVariants(item.width, item.height).at(-1)!.name, "jpeg");
}

/** A photo's alt text, or the embed's URL: what tells one item from another of the same kind. */
export const mediaText = (item: MediaItem): string => (item.type === "image" ? item.alt : item.url);

/** Whether an entry's media include a photo, or a video (the ticker's marks). */
export function mediaMarks(media: readonly MediaItem[] | undefined): { photo: boolean; video: boolean } {
  const items = media ?? [];
  return {
    photo: items.some((item) => item.type === "image"),
    video: items.some((item) => item.type === "embed" && isVideo(item)),
  };
}

export interface MediaChange {
  change: "added" | "removed" | "changed";
  item: MediaItem;
}

/**
 * What an edit did to an entry's media: items added and removed (a photo by its image id, an embed
 * by its URL, each use counted), photos whose alt, caption or credit changed and embeds whose caption
 * did, and whether the order
 * of the items both versions have changed.
 */
export function mediaChanges(
  before: readonly MediaItem[] | undefined,
  after: readonly MediaItem[] | undefined,
): { changes: MediaChange[]; reordered: boolean } {
  const key = (item: MediaItem) => (item.type === "image" ? `image ${item.id}` : `embed ${item.url}`);
  const left = [...(before ?? [])];
  const changes: MediaChange[] = [];
  const keptOrder: number[] = [];
  for (const item of after ?? []) {
    const index = left.findIndex((old) => old !== undefined && key(old) === key(item));
    if (index === -1) {
      changes.push({ change: "added", item });
      continue;
    }
    const old = left[index]!;
    delete left[index];
    keptOrder.push(index);
    const textChanged =
      old.type === "image" && item.type === "image" ? old.alt !== item.alt || old.caption !== item.caption || old.credit !== item.credit : old.caption !== item.caption;
    if (textChanged) changes.push({ change: "changed", item });
  }
  for (const item of left) if (item) changes.push({ change: "removed", item });
  return { changes, reordered: keptOrder.some((index, at) => at > 0 && index < keptOrder[at - 1]!) };
}
