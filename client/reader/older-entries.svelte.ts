import type { PatchResponse } from "../../shared/api.js";
import type { EntriesPage } from "../../shared/entry-pages.js";
import { olderCursor, reconcileOlder } from "../../shared/older-entries.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { ENTRY_PAGE_LIMIT } from "../../shared/view-names.js";
import { requestJson } from "../lib/request.js";

/** Entries one "Show older updates" adds: a screenful or two, as the view itself holds 50. */
const PAGE = 25;

/**
 * The older entries a reader of the live page asked for, beyond the latest view it follows live.
 * Loaded page by page from `GET /api/stories/:id/entries` (by cursor, so entries arriving at the
 * top never shift what comes next), and kept true as the story moves on: on each new version the
 * full patch between the two versions (one immutable, cacheable URL per version pair, fetched only
 * by readers who loaded older entries) says whether a loaded entry was touched; if so the loaded
 * range is fetched again (shared/older-entries.ts, docs/reader-pages.md). Work is done one step at
 * a time, in the order versions arrive.
 */
export class OlderEntries {
  entries = $state.raw<Entry[]>([]);
  loading = $state(false);
  /** The last page said there is nothing older. */
  exhausted = $state(false);
  failed = $state(false);
  #queue: Promise<void> = Promise.resolve();
  /** A refetch failed (its cursor was removed meanwhile, the network): the next version refetches. */
  #stale = false;

  constructor(
    readonly storyId: string,
    /** The latest view as the page shows it now. */
    private readonly view: () => Snapshot,
  ) {}

  /** Loads the next page of older entries. */
  loadMore(): Promise<void> {
    return this.#enqueue(async () => {
      this.loading = true;
      this.failed = false;
      try {
        const cursor = olderCursor(this.view(), this.entries);
        if (!cursor) return void (this.exhausted = true);
        const page = await this.#page(cursor, PAGE);
        this.entries = this.#outsideView([...this.entries, ...page.entries]);
        this.exhausted = !page.next;
      } catch {
        this.failed = true; // the reader may try again
      } finally {
        this.loading = false;
      }
    });
  }

  /**
   * Loads older entries, a full page at a time, until `entryId` is among them (a shared link to an
   * update the view no longer holds: the entries between stay loaded, so the stream reads on from
   * it as it would have). Resolves whether it was found; not when the story has nothing older left.
   */
  loadUntil(entryId: string): Promise<boolean> {
    let found = false;
    return this.#enqueue(async () => {
      this.loading = true;
      this.failed = false;
      try {
        let cursor = olderCursor(this.view(), this.entries);
        while (cursor && !this.entries.some((entry) => entry.id === entryId)) {
          const page = await this.#page(cursor, ENTRY_PAGE_LIMIT);
          this.entries = this.#outsideView([...this.entries, ...page.entries]);
          this.exhausted = !page.next;
          cursor = page.next;
        }
        found = this.entries.some((entry) => entry.id === entryId);
      } catch {
        this.failed = true;
      } finally {
        this.loading = false;
      }
    }).then(() => found);
  }

  /** The view moved from `previous` to `next`: keep the loaded entries true to it. */
  viewChanged(previous: Snapshot, next: Snapshot): void {
    if (this.entries.length === 0 || next.version <= previous.version) return;
    void this.#enqueue(async () => {
      if (this.#stale) return this.#refetch(this.entries.length);
      const { ops } = await requestJson<PatchResponse>(`/api/stories/${this.storyId}/patch?from=${previous.version}&to=${next.version}`).catch(() => ({ ops: null }));
      const reconciled = ops ? reconcileOlder(this.entries, previous, next, ops) : "refetch";
      if (reconciled !== "refetch") return void (this.entries = this.#outsideView(reconciled));
      await this.#refetch(this.entries.length);
    });
  }

  /** Fetches again as many older entries as were loaded, from the view's end. */
  async #refetch(count: number): Promise<void> {
    this.#stale = true;
    let cursor = olderCursor(this.view(), []);
    const fetched: Entry[] = [];
    let more = false;
    while (cursor && fetched.length < count) {
      const page = await this.#page(cursor, Math.min(ENTRY_PAGE_LIMIT, count - fetched.length));
      fetched.push(...page.entries);
      cursor = page.next;
      more = page.next !== undefined;
    }
    this.entries = this.#outsideView(fetched);
    this.exhausted = !more;
    this.#stale = false;
  }

  #page(before: string, limit: number): Promise<EntriesPage> {
    return requestJson<EntriesPage>(`/api/stories/${this.storyId}/entries?before=${encodeURIComponent(before)}&limit=${limit}`);
  }

  /** Entries the view does not show itself (it has the pinned ones and the newest), each once. */
  #outsideView(entries: Entry[]): Entry[] {
    const view = this.view();
    const seen = new Set<string>();
    return entries.filter((entry) => !entry.pinned && !view.entries[entry.id] && !seen.has(entry.id) && seen.add(entry.id));
  }

  /** Runs `step` after the steps before it; a failed background step leaves `#stale` set, to be retried. */
  #enqueue(step: () => Promise<void>): Promise<void> {
    return (this.#queue = this.#queue.then(step).catch(() => {}));
  }
}
