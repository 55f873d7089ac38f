import { entriesInDisplayOrder } from "../../shared/display-order.js";
import type { Snapshot } from "../../shared/story.js";

/** How many updates the structured data lists; search engines read the newest ones. */
const MAX_UPDATES = 50;

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
      headline: entry.headline ?? firstWords(entry.body),
      articleBody: entry.body,
      datePublished: entry.createdAt,
      dateModified: entry.updatedAt,
      author: { "@type": "Organization", name: entry.author.name },
    })),
  };
}

/** A headline for an update that has none: its opening words, as schema.org requires one. */
function firstWords(body: string): string {
  const text = body.replace(/[*_`#>[\]()]/g, "").replace(/\s+/g, " ").trim();
  return text.length > 110 ? `${text.slice(0, 107)}…` : text;
}
