import { entriesInDisplayOrder } from "../../shared/display-order.js";
import { plainFirstLine } from "../../shared/plain-text.js";
import type { Snapshot } from "../../shared/story.js";

/** How many updates the structured data lists; search engines read the newest ones. */
const MAX_UPDATES = 50;
/** schema.org headlines are short; an update without one gets the start of its text. */
const HEADLINE_MAX = 110;

/** schema.org LiveBlogPosting for a story, so search engines show it as live coverage. */
export function liveBlogPosting(story: Snapshot, pageUrl: string): Record<string, unknown> {
  const updates = entriesInDisplayOrder(story)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, MAX_UPDATES);
  return {
    "@context": "https://schema.org",
    "@type": "LiveBlogPosting",
    "@id": pageUrl,
    url: pageUrl,
    headline: story.title,
    description: story.summary || undefined,
    datePublished: story.createdAt,
    dateModified: story.updatedAt,
    coverageStartTime: story.createdAt,
    ...(story.status === "ended" ? { coverageEndTime: story.updatedAt } : {}),
    liveBlogUpdate: updates.map((entry) => ({
      "@type": "BlogPosting",
      "@id": `${pageUrl}#${entry.id}`,
      url: `${pageUrl}#${entry.id}`,
      headline: entry.headline ?? plainFirstLine(entry.body, HEADLINE_MAX),
      articleBody: entry.body,
      datePublished: entry.createdAt,
      dateModified: entry.updatedAt,
      author: { "@type": "Organization", name: entry.author.name },
    })),
  };
}
