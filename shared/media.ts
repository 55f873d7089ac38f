import { z } from "zod";
import { EMBED_METADATA_LIMITS, EMBED_PROVIDERS, MAX_MEDIA_PER_ENTRY, MEDIA_TEXT_LIMITS, type EmbedProvider } from "./media-constants.js";

// The zod-free half, re-exported: the browser bundles import it from media-constants.ts directly.
export * from "./media-constants.js";

/**
 * Photos and embeds in entries (DESIGN.md §1 `media`, §3 `POST /api/media`, `GET /media/…`).
 * The shapes here are the one definition the server, the reader apps and the desk share.
 */

/** Image ids: "m_" and the first 32 hex digits of the SHA-256 of the uploaded bytes. */
export const MEDIA_ID_PATTERN = /^m_[0-9a-f]{32}$/;
export const MediaId = z.string().regex(MEDIA_ID_PATTERN, "must look like m_ and 32 hex digits");

export const EmbedProviderName = z.enum(Object.keys(EMBED_PROVIDERS) as [EmbedProvider, ...EmbedProvider[]]);

const text = (max: number) => z.string().max(max);

/** A photo as it stands in a snapshot: the server fills width, height and placeholder from the upload. */
export const ImageItem = z.strictObject({
  type: z.literal("image"),
  id: MediaId,
  alt: text(MEDIA_TEXT_LIMITS.alt).min(1),
  caption: text(MEDIA_TEXT_LIMITS.caption).optional(),
  credit: text(MEDIA_TEXT_LIMITS.credit).optional(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** The image's dominant colour, `#rrggbb`, shown while it loads. An addition to DESIGN.md §1. */
  placeholder: z.string().regex(/^#[0-9a-f]{6}$/).optional(),
});

/** An embed's preview picture, fetched once by the server and stored as a photo of our own (`GET /media/…`). */
export const EmbedThumbnail = z.strictObject({
  id: MediaId,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

/**
 * A post or video elsewhere, by its canonical public URL (see shared/embeds.ts), with the editor's
 * caption and what the platform's oEmbed said of it when the entry was saved (server/embeds/).
 */
export const EmbedItem = z.strictObject({
  type: z.literal("embed"),
  provider: EmbedProviderName,
  url: z.url({ protocol: /^https$/ }).max(2000),
  caption: text(MEDIA_TEXT_LIMITS.caption).optional(),
  title: text(EMBED_METADATA_LIMITS.title).optional(),
  author: text(EMBED_METADATA_LIMITS.author).optional(),
  thumbnail: EmbedThumbnail.optional(),
});

export const MediaItem = z.discriminatedUnion("type", [ImageItem, EmbedItem]);
export const MediaList = z.array(MediaItem).max(MAX_MEDIA_PER_ENTRY);

export type ImageItem = z.infer<typeof ImageItem>;
export type EmbedItem = z.infer<typeof EmbedItem>;
export type EmbedThumbnail = z.infer<typeof EmbedThumbnail>;
export type MediaItem = z.infer<typeof MediaItem>;
