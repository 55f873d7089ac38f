import type { ImageItem } from "../../shared/media.js";
import { imageUrl, shareVariant } from "../media/media-links.js";
import { escapeHtml } from "./document.js";

/** What a page shows when it is shared: the card a social network or chat app draws from its Open Graph and Twitter tags. */
export interface ShareCard {
  title: string;
  url: string;
  description?: string;
  /** The photo on the card; without one, a small card. */
  image?: ImageItem | undefined;
  /** An article's times (`article:published_time`, `article:modified_time`). */
  published?: string;
  modified?: string;
}

/** The `<head>` tags of a share card, escaped. */
export function openGraphTags(publicUrl: string, card: ShareCard): string[] {
  const { image } = card;
  const preview = image && shareVariant(image);
  return [
    `<meta property="og:type" content="article">`,
    `<meta property="og:title" content="${escapeHtml(card.title)}">`,
    `<meta property="og:url" content="${escapeHtml(card.url)}">`,
    card.description ? `<meta property="og:description" content="${escapeHtml(card.description)}">` : "",
    card.published ? `<meta property="article:published_time" content="${escapeHtml(card.published)}">` : "",
    card.modified ? `<meta property="article:modified_time" content="${escapeHtml(card.modified)}">` : "",
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
  ].filter(Boolean);
}
