import type { HistoryItem } from "./api.js";

/**
 * Which versions a history page lists: all, or those one person made (`author`, their byline as
 * the versions record it), or those that touched one update (`entryId`: added, edited, pinned or
 * removed it; an update added in a batch is in a version that names the batch, not each entry).
 */
export interface HistoryFilter {
  author?: string;
  entryId?: string;
}

export function matchesHistoryFilter(item: HistoryItem, filter: HistoryFilter): boolean {
  if (filter.author !== undefined && item.author.name !== filter.author) return false;
  if (filter.entryId !== undefined && !item.changes.some((change) => "entryId" in change && change.entryId === filter.entryId)) return false;
  return true;
}

/** The history page's address for a filter, from `before` (exclusive) when paging back; the filter first, so pages of one filter read alike. */
export function historyPath(storyId: string, filter: HistoryFilter, before?: number): string {
  const query = new URLSearchParams();
  if (filter.entryId !== undefined) query.set("entry", filter.entryId);
  if (filter.author !== undefined) query.set("author", filter.author);
  if (before !== undefined) query.set("before", String(before));
  const search = query.toString();
  return `/stories/${storyId}/history${search ? `?${search}` : ""}`;
}

/** One page of the history as a reader pages it: the versions shown, and where the next (older) page starts, if anywhere. */
export interface HistoryPage {
  versions: HistoryItem[];
  older?: number;
}

/**
 * Collects one page of `size` matching versions from `chunks`, the story's versions newest first
 * in the store's pages, reading at most `scanLimit` of them (so a filter that matches rarely costs
 * a bounded read per request); `older` is where the next page starts: after the last one shown, or
 * after the last one read when the limit stopped the scan first. Pure over its async source.
 */
export async function collectHistoryPage(
  chunks: AsyncIterable<HistoryItem[]>,
  filter: HistoryFilter,
  size: number,
  scanLimit: number,
): Promise<HistoryPage> {
  const versions: HistoryItem[] = [];
  let scanned = 0;
  let lastRead: number | undefined;
  for await (const chunk of chunks) {
    for (const item of chunk) {
      scanned++;
      lastRead = item.version;
      if (matchesHistoryFilter(item, filter)) versions.push(item);
      if (versions.length === size || scanned === scanLimit) return lastRead > 1 ? { versions, older: lastRead } : { versions };
    }
  }
  return { versions };
}
