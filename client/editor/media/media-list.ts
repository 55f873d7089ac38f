import { m, type Locale } from "../../lib/i18n.js";
import type { ImageItem } from "../../../shared/media.js";
import { EMBED_PROVIDERS, MAX_MEDIA_PER_ENTRY, MEDIA_TEXT_LIMITS, type EmbedProvider } from "../../../shared/media-constants.js";
import { recognizeEmbed } from "../../../shared/embeds.js";
import type { Snapshot } from "../../../shared/story.js";

/**
 * The photos and embeds of an entry while the desk edits them (composer, edit form, drafts). Pure
 * list editing: no Svelte, no DOM, no requests. An image is the whole ImageItem the server gave
 * back for the upload (so the preview knows its size), its alt text perhaps still empty while the
 * editor types; an embed is the URL the editor pasted, with its provider once the server named it.
 */

export interface DeskEmbed {
  type: "embed";
  url: string;
  provider?: EmbedProvider;
  /** The editor's caption, shown under the card (an embed's title and author are the platform's). */
  caption?: string;
}
export type DeskImage = ImageItem;
export type DeskMedia = DeskImage | DeskEmbed;

/** What the API takes for an item: the server fills the image's size and names the embed's platform. */
export type MediaBodyItem = { type: "image"; id: string; alt: string; caption?: string; credit?: string } | { type: "embed"; url: string; caption?: string };

/** An uploaded image as `POST /api/media` answers. */
export interface UploadedImage {
  id: string;
  width: number;
  height: number;
  placeholder?: string;
}

/** A new image item from an upload (or the gallery), alt text to be written. */
export function imageItem(uploaded: UploadedImage, text: { alt?: string; caption?: string; credit?: string } = {}): DeskImage {
  return {
    type: "image",
    id: uploaded.id,
    alt: text.alt ?? "",
    ...(text.caption ? { caption: text.caption } : {}),
    ...(text.credit ? { credit: text.credit } : {}),
    width: uploaded.width,
    height: uploaded.height,
    ...(uploaded.placeholder ? { placeholder: uploaded.placeholder } : {}),
  };
}

/** Room for how many more items. */
export const roomLeft = (list: readonly DeskMedia[]): number => Math.max(0, MAX_MEDIA_PER_ENTRY - list.length);

/** The list with `item` at the end; unchanged when it is full (the caller says why: see `roomLeft`). */
export function addMedia(list: readonly DeskMedia[], item: DeskMedia): DeskMedia[] {
  return list.length >= MAX_MEDIA_PER_ENTRY ? [...list] : [...list, item];
}

/** The list with the item at `index` moved by `by` places (−1 up, +1 down), kept within the list. */
export function moveMedia(list: readonly DeskMedia[], index: number, by: number): DeskMedia[] {
  const to = Math.min(list.length - 1, Math.max(0, index + by));
  const next = [...list];
  if (index < 0 || index >= list.length || to === index) return next;
  const [item] = next.splice(index, 1);
  next.splice(to, 0, item!);
  return next;
}

export function removeMedia(list: readonly DeskMedia[], index: number): DeskMedia[] {
  return list.filter((_, i) => i !== index);
}

/** The list with the item at `index`'s texts changed (an embed has only a caption). */
export function updateMedia(list: readonly DeskMedia[], index: number, change: { alt?: string; caption?: string; credit?: string }): DeskMedia[] {
  return list.map((item, i) => {
    if (i !== index) return item;
    if (item.type === "image") return { ...item, ...change };
    return change.caption === undefined ? item : { ...item, caption: change.caption };
  });
}

export interface MediaProblem {
  index: number;
  field: "alt" | "caption" | "credit";
  reason: "missing" | "too_long";
  message: string;
}

/**
 * What keeps the list from being sent: an image without alt text (readers who cannot see it get
 * nothing else), or text over its limit. Empty when it may go.
 */
export function mediaProblems(list: readonly DeskMedia[], locale: Locale = "en"): MediaProblem[] {
  const options = { locale };
  const problems: MediaProblem[] = [];
  list.forEach((item, index) => {
    if (item.type !== "image") {
      if ((item.caption ?? "").length > MEDIA_TEXT_LIMITS.caption) problems.push({ index, field: "caption", reason: "too_long", message: m.desk_at_most_characters({ count: MEDIA_TEXT_LIMITS.caption }, options) });
      return;
    }
    if (!item.alt.trim()) problems.push({ index, field: "alt", reason: "missing", message: m.desk_alt_missing({}, options) });
    for (const field of ["alt", "caption", "credit"] as const) {
      const value = item[field] ?? "";
      if (value.length > MEDIA_TEXT_LIMITS[field]) problems.push({ index, field, reason: "too_long", message: m.desk_at_most_characters({ count: MEDIA_TEXT_LIMITS[field] }, options) });
    }
  });
  return problems;
}

/** One sentence for the publish button's explanation, or undefined when the media may be sent. */
export function mediaBlocker(list: readonly DeskMedia[], locale: Locale = "en"): string | undefined {
  const options = { locale };
  const problems = mediaProblems(list, locale);
  if (problems.length === 0) return undefined;
  const missingAlt = problems.filter((p) => p.reason === "missing").length;
  if (missingAlt > 0) return m.desk_photos_need_alt({ count: missingAlt }, options);
  return m.desk_photo_text_too_long({}, options);
}

/** The list as the API takes it: trimmed text, empty caption and credit left out. */
export function mediaBody(list: readonly DeskMedia[]): MediaBodyItem[] {
  return list.map((item) => {
    const caption = item.caption?.trim();
    if (item.type === "embed") return { type: "embed", url: item.url, ...(caption ? { caption } : {}) };
    const credit = item.credit?.trim();
    return { type: "image", id: item.id, alt: item.alt.trim(), ...(caption ? { caption } : {}), ...(credit ? { credit } : {}) };
  });
}

/** Whether two lists send the same thing (an edit leaves `media` out when they do). */
export const sameMedia = (a: readonly DeskMedia[], b: readonly DeskMedia[]): boolean => JSON.stringify(mediaBody(a)) === JSON.stringify(mediaBody(b));

/**
 * A pasted address as an embed, recognized here as the server will (shared/embeds.ts): the
 * platform and the canonical address at once, or what is supported.
 */
export function embedFromUrl(input: string, locale: Locale = "en"): DeskEmbed | { error: string } {
  const embed = recognizeEmbed(input);
  if (embed) return { type: "embed", ...embed };
  const providers = new Intl.ListFormat(locale, { type: "disjunction" }).format(Object.values(EMBED_PROVIDERS));
  return { error: m.desk_embed_unsupported({ providers }, { locale }) };
}

/** The images already used in a story, newest entry first, each once: the desk's gallery for reuse. */
export function storyImages(snapshot: Pick<Snapshot, "entries">): DeskImage[] {
  const entries = Object.values(snapshot.entries).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const seen = new Set<string>();
  const images: DeskImage[] = [];
  for (const entry of entries) {
    for (const item of entry.media ?? []) {
      if (item.type !== "image" || seen.has(item.id)) continue;
      seen.add(item.id);
      images.push(item);
    }
  }
  return images;
}

/** MEDIA_ID_PATTERN of shared/media.ts, which the desk does not import: it would bundle zod. */
const STORED_ID = /^m_[0-9a-f]{32}$/;

/**
 * One saved item as read back from localStorage (alt may still be empty, an embed's provider
 * unknown), or undefined when it is not one. Checked by hand, not with a zod schema: zod probes
 * for `new Function` as it starts, which the desk's CSP refuses (and reports).
 */
function storedItem(value: unknown): DeskMedia | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const item = value as Record<string, unknown>;
  const text = (field: keyof typeof MEDIA_TEXT_LIMITS) => {
    const x = item[field];
    return typeof x === "string" && x.length <= MEDIA_TEXT_LIMITS[field] ? x : undefined;
  };
  const size = (x: unknown) => (Number.isSafeInteger(x) && (x as number) > 0 ? (x as number) : undefined);
  if (item.type === "image") {
    const [width, height, alt] = [size(item.width), size(item.height), text("alt")];
    if (typeof item.id !== "string" || !STORED_ID.test(item.id) || !width || !height || alt === undefined) return undefined;
    const placeholder = typeof item.placeholder === "string" && /^#[0-9a-f]{6}$/.test(item.placeholder) ? item.placeholder : undefined;
    return imageItem({ id: item.id, width, height, ...(placeholder ? { placeholder } : {}) }, { alt, caption: text("caption") ?? "", credit: text("credit") ?? "" });
  }
  if (item.type === "embed" && typeof item.url === "string" && item.url.length <= 2000) {
    const provider = typeof item.provider === "string" && Object.hasOwn(EMBED_PROVIDERS, item.provider) ? (item.provider as EmbedProvider) : undefined;
    const caption = text("caption");
    return { type: "embed", url: item.url, ...(provider ? { provider } : {}), ...(caption ? { caption } : {}) };
  }
  return undefined;
}

/** Media items read back from storage; anything unreadable is dropped, and never more than fit. */
export function readStoredMedia(value: unknown): DeskMedia[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => storedItem(item) ?? []).slice(0, MAX_MEDIA_PER_ENTRY);
}
