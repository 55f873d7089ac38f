import { entriesInDisplayOrder } from "../../shared/display-order.js";
import { summaryWithFigures } from "../../shared/facts.js";
import { feedWords } from "../feeds/feed-words.js";
import { plainFirstLine } from "../../shared/plain-text.js";
import type { Snapshot } from "../../shared/story.js";
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
  const imagesOfEntry = (entry: (typeof updates)[number]) =>
    imagesOf(entry).map((image) => {
      const { width, height } = shareVariant(image);
      return { "@type": "ImageObject", url: imageUrl(publicUrl, image), width, height, caption: image.caption ?? image.alt };
    });
  // The posting's images: its updates' photos in display order (search engines take the first few).
  const storyImages = entriesInDisplayOrder(story).flatMap(imagesOfEntry).slice(0, MAX_IMAGES);
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
    liveBlogUpdate: updates.map((entry) => ({
      "@type": "BlogPosting",
      "@id": `${pageUrl}#${entry.id}`,
      url: `${pageUrl}#${entry.id}`,
      headline: entry.headline ?? plainFirstLine(entry.body, HEADLINE_MAX),
      articleBody: entry.body,
      datePublished: entry.createdAt,
      dateModified: entry.updatedAt,
      author: { "@type": "Organization", name: entry.author.name },
      ...(entry.media?.some((item) => item.type === "image") ? { image: imagesOfEntry(entry) } : {}),
    })),
  };
}
