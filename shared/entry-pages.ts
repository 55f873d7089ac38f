import { entriesInDisplayOrder } from "./display-order.js";
import type { Entry, Snapshot } from "./story.js";

/** One page of `GET /api/stories/:id/entries`: `next` is the `before` of the following page, absent on the last. */
export interface EntriesPage {
  entries: Entry[];
  next?: string;
}

/**
 * The entries that follow the entry `before` in display order (DESIGN.md §1), at most `limit` of
 * them; from the first entry without `before`. A cursor rather than an offset: entries are added
 * at the top, so a reader paging back sees every older entry once however many arrive meanwhile.
 * `undefined` when `before` is not an entry of the story (removed, or never there).
 */
export function entriesPage(snapshot: Snapshot, before: string | undefined, limit: number): EntriesPage | undefined {
  const ordered = entriesInDisplayOrder(snapshot);
  let start = 0;
  if (before !== undefined) {
    const index = ordered.findIndex((entry) => entry.id === before);
    if (index === -1) return undefined;
    start = index + 1;
  }
  const entries = ordered.slice(start, start + limit);
  const last = entries.at(-1);
  return start + limit < ordered.length && last ? { entries, next: last.id } : { entries };
}

/** One numbered page of the reader's page (`/stories/:id?page=N`), for readers without JavaScript. */
export interface NumberedPage {
  /** Page 1 is the latest view's entries, pinned ones included; later pages hold older unpinned entries. */
  entries: Entry[];
  page: number;
  pages: number;
}

/**
 * Page `page` of the story's unpinned entries, newest first, `size` to a page: page 1 is what the
 * latest view of that size holds (with the pinned entries), page 2 the `size` entries after it,
 * and so on. `undefined` past the last page. Numbers shift as entries are added, as a printed
 * archive's would; the JavaScript reader pages by cursor instead (entriesPage).
 */
export function numberedPage(snapshot: Snapshot, page: number, size: number): NumberedPage | undefined {
  const ordered = entriesInDisplayOrder(snapshot);
  const firstUnpinned = ordered.findIndex((entry) => !entry.pinned);
  const pinnedCount = firstUnpinned === -1 ? ordered.length : firstUnpinned;
  const pages = Math.max(1, Math.ceil((ordered.length - pinnedCount) / size));
  if (!Number.isInteger(page) || page < 1 || page > pages) return undefined;
  const start = page === 1 ? 0 : pinnedCount + (page - 1) * size;
  const end = pinnedCount + page * size;
  return { entries: ordered.slice(start, end), page, pages };
}
