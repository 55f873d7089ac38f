import { z } from "zod";

/**
 * Photos and embeds in entries (DESIGN.md §1 `media`, §3 `POST /api/media`, `GET /media/…`).
 * The shapes here are the one definition the server, the reader apps and the desk share.
 */

/** An entry shows at most this many photos and embeds. */
export const MAX_MEDIA_PER_ENTRY = 10;

/** Image ids: "m_" and the first 32 hex digits of the SHA-256 of the uploaded bytes. */
export const MEDIA_ID_PATTERN = /^m_[0-9a-f]{32}$/;
export const MediaId = z.string().regex(MEDIA_ID_PATTERN, "must look like m_ and 32 hex digits");

/** The widths variants are named by; an image is never upscaled (see mediaVariants). */
export const MEDIA_WIDTHS = [480, 960, 1600] as const;
export type MediaWidth = (typeof MEDIA_WIDTHS)[number];
/** Served formats, best first: the order a `<picture>` lists its sources in. */
export const MEDIA_FORMATS = ["avif", "webp", "jpeg"] as const;
export type MediaFormat = (typeof MEDIA_FORMATS)[number];

export const MEDIA_TEXT_LIMITS = { alt: 500, caption: 500, credit: 200 } as const;

/** The platforms an embed may come from, with the name readers see. */
export const EMBED_PROVIDERS = {
  youtube: "YouTube",
  vimeo: "Vimeo",
  x: "X",
  bluesky: "Bluesky",
  mastodon: "Mastodon",
  telegram: "Telegram",
  instagram: "Instagram",
  tiktok: "TikTok",
  facebook: "Facebook",
} as const;
export type EmbedProvider = keyof typeof EMBED_PROVIDERS;
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

/** A post or video elsewhere, by its canonical public URL (see shared/embeds.ts). */
export const EmbedItem = z.strictObject({
  type: z.literal("embed"),
  provider: EmbedProviderName,
  url: z.url({ protocol: /^https$/ }).max(2000),
});

export const MediaItem = z.discriminatedUnion("type", [ImageItem, EmbedItem]);
export const MediaList = z.array(MediaItem).max(MAX_MEDIA_PER_ENTRY);

export type ImageItem = z.infer<typeof ImageItem>;
export type EmbedItem = z.infer<typeof EmbedItem>;
export type MediaItem = z.infer<typeof MediaItem>;

/** A variant as `<picture>`/`srcset` name it: the width in its URL, and the pixels it really has. */
export interface MediaVariant {
  name: MediaWidth;
  width: number;
  height: number;
}

/**
 * The variants an image of `width`×`height` is served at: every fixed width below its own, and
 * the next one up, which is the image at its own size (never upscaled). A 1200 px photo has 480,
 * 960 and "1600" (1200 px wide); a 300 px one only "480" (300 px wide).
 */
export function mediaVariants(width: number, height: number): MediaVariant[] {
  const variants: MediaVariant[] = [];
  for (const name of MEDIA_WIDTHS) {
    const actual = Math.min(name, width);
    variants.push({ name, width: actual, height: Math.max(1, Math.round((height * actual) / width)) });
    if (actual === width) break;
  }
  return variants;
}

/** The path of one variant: `GET /media/:id/:width.:format`. */
export const mediaPath = (id: string, name: MediaWidth, format: MediaFormat): string => `/media/${id}/${name}.${format}`;
