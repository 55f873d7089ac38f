import type { Entry } from "../../../shared/story.js";

/**
 * How many published updates the desk renders at first, and how many more each "Show more" adds.
 * Each desk entry is the reader's card plus Edit, Pin and Delete, ~40 DOM nodes: 2,000 of them
 * took the desk's first render past 2 s in Chromium (docs/desk.md); 50 stay under a tenth of that.
 */
export const DESK_PAGE = 50;

/** Whether an entry's headline, text, byline or id contains every word of `query` (any case). */
export function matchesQuery(entry: Entry, query: string): boolean {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = `${entry.headline ?? ""}\n${entry.body}\n${entry.author.name}\n${entry.id}`.toLocaleLowerCase();
  return words.every((word) => text.includes(word));
}

/**
 * What the desk's list renders: the first `limit` entries (in display order) that match `query`,
 * and how many match in all, so the list can say "50 of 1,240" and offer more.
 */
export function deskWindow(entries: readonly Entry[], query: string, limit: number): { shown: Entry[]; matching: number } {
  const matching = query.trim() ? entries.filter((entry) => matchesQuery(entry, query)) : entries;
  return { shown: matching.slice(0, limit), matching: matching.length };
}
