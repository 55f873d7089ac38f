import { entriesInDisplayOrder } from "../../shared/display-order.js";
import { summaryWithFigures } from "../../shared/facts.js";
import { feedWords } from "../feeds/feed-words.js";
import { plainFirstLine } from "../../shared/plain-text.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { updateUrl } from "../../shared/update-pages.js";
import { imagesOf, imageUrl, shareVariant } from "../media/media-links.js";

/** How many updates the structured data lists; search engines read the newest ones. */
const MAX_UPDATES = 50;
/** schema.org headlines are short; an update without one gets the start of its text. */
const HEADLINE_MAX = 110;
/** Images named on the posting itself. */
const MAX_IMAGES = 10;

/** schema.org LiveBlogPosting for a story, so search engines show it as live coverage. */
export function liveBlogPosting(story: Snapshot, pageUrl: string, publicUrl: string): Record<string, unknown> {
  const updates = entriesInDisplayOrder(story)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, MAX_UPDATES);
  // The posting's images: its updates' photos in display order (search engines take the first few).
  const storyImages = entriesInDisplayOrder(story).flatMap((entry) => imageObjects(entry, publicUrl)).slice(0, MAX_IMAGES);
  return {
    "@context": "https://schema.org",
    "@type": "LiveBlogPosting",
    "@id": pageUrl,
    url: pageUrl,
    headline: story.title,
    inLanguage: story.language,
    description: summaryWithFigures(story.summary, story.facts, feedWords(story.language).keyFigures) || undefined,
    datePublished: story.createdAt,
    dateModified: story.updatedAt,
    coverageStartTime: story.createdAt,
    ...(story.status === "ended" ? { coverageEndTime: story.updatedAt } : {}),
    ...(storyImages.length ? { image: storyImages } : {}),
    liveBlogUpdate: updates.map((entry) => blogPosting(story.id, entry, publicUrl)),
  };
}

/**
 * schema.org BlogPosting for the page of one update (GET /stories/:id/updates/:entryId): the same
 * posting the live page lists, standing alone, naming the story's LiveBlogPosting it is part of.
 */
export function updatePosting(story: Snapshot, entry: Entry, livePageUrl: string, publicUrl: string): Record<string, unknown> {
  return {
    "@context": "https://schema.org",
    ...blogPosting(story.id, entry, publicUrl),
    inLanguage: story.language,
    mainEntityOfPage: updateUrl(publicUrl, story.id, entry.id),
    isPartOf: { "@type": "LiveBlogPosting", "@id": livePageUrl, url: livePageUrl, headline: story.title },
  };
}

/** One update as schema.org sees it; its `@id` and `url` are its own page, wherever it is listed. */
function blogPosting(storyId: string, entry: Entry, publicUrl: string): Record<string, unknown> {
  const url = updateUrl(publicUrl, storyId, entry.id);
  const images = imageObjects(entry, publicUrl);
  return {
    "@type": "BlogPosting",
    "@id": url,
    url,
    headline: entry.headline ?? plainFirstLine(entry.body, HEADLINE_MAX),
    articleBody: entry.body,
    datePublished: entry.createdAt,
    dateModified: entry.updatedAt,
    author: { "@type": "Organization", name: entry.author.name },
    ...(images.length ? { image: images } : {}),
  };
}

function imageObjects(entry: Entry, publicUrl: string): Record<string, unknown>[] {
  return imagesOf(entry).map((image) => {
    const { width, height } = shareVariant(image);
    return { "@type": "ImageObject", url: imageUrl(publicUrl, image), width, height, caption: image.caption ?? image.alt };
  });
}
