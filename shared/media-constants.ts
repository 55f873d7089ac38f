/**
 * The constants and helpers of the media model (shared/media.ts) that the browser needs, without
 * zod: a reader page that imported the schemas would bundle zod, whose start-up probe for eval the
 * pages' Content-Security-Policy refuses (and reports).
 */

/** An entry shows at most this many photos and embeds. */
export const MAX_MEDIA_PER_ENTRY = 10;

/** The widths variants are named by; an image is never upscaled (see mediaVariants). */
export const MEDIA_WIDTHS = [480, 960, 1600] as const;
export type MediaWidth = (typeof MEDIA_WIDTHS)[number];
/** Served formats, best first: the order a `<picture>` lists its sources in. */
export const MEDIA_FORMATS = ["avif", "webp", "jpeg"] as const;
export type MediaFormat = (typeof MEDIA_FORMATS)[number];

export const MEDIA_TEXT_LIMITS = { alt: 500, caption: 500, credit: 200 } as const;

/** An embed's title and author as its platform's oEmbed gives them, cut to these lengths on the server. */
export const EMBED_METADATA_LIMITS = { title: 300, author: 200 } as const;

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
  threads: "Threads",
} as const;
export type EmbedProvider = keyof typeof EMBED_PROVIDERS;

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

/** A `srcset` of every variant of an image in one format. */
export const mediaSrcset = (id: string, variants: readonly MediaVariant[], format: MediaFormat): string =>
  variants.map((variant) => `${mediaPath(id, variant.name, format)} ${variant.width}w`).join(", ");
