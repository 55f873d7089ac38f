import { collectHistoryPage, type HistoryFilter, type HistoryPage } from "../../shared/history-filter.js";
import type { HistoryItem } from "../../shared/api.js";
import type { Store } from "../store/store.js";

/** Versions on one page of the history: a screenful or two each, where 500 made a 2,000-entry story's page 96,585 px tall. */
export const HISTORY_PAGE = 50;
/** Versions read, at most, for one filtered page: a bounded cost per request however rarely a filter matches. */
const SCAN_LIMIT = 2_000;
const SCAN_CHUNK = 500;

/**
 * One page of a story's history as the history page shows it (shared/history-filter.ts): the
 * newest `HISTORY_PAGE` versions before `before` (exclusive; from the latest when absent) that
 * match `filter`. Unfiltered, it reads exactly one page; filtered, chunks until the page fills.
 */
export function historyPage(store: Store, storyId: string, before: number, filter: HistoryFilter): Promise<HistoryPage> {
  const filtered = filter.author !== undefined || filter.entryId !== undefined;
  return collectHistoryPage(versionsBefore(store, storyId, before, filtered ? SCAN_CHUNK : HISTORY_PAGE), filter, HISTORY_PAGE, SCAN_LIMIT);
}

async function* versionsBefore(store: Store, storyId: string, before: number, chunk: number): AsyncGenerator<HistoryItem[]> {
  for (let cursor = before; cursor > 1; ) {
    const versions = (await store.history(storyId, { before: cursor, limit: chunk })) ?? [];
    if (versions.length === 0) return;
    yield versions;
    cursor = versions.at(-1)!.version;
  }
}
