import { entriesPage, numberedPage, type EntriesPage, type NumberedPage } from "../shared/entry-pages.js";
import { Lru } from "../shared/lru.js";
import type { Snapshot } from "../shared/story.js";
import { viewOf, type ViewName } from "../shared/views.js";

/** Entry pages kept per version: the cursors readers share (the view's last entry, and on from there). */
const PAGES_PER_VERSION = 32;

interface Derived {
  latest?: Snapshot;
  pages: Lru<string, EntriesPage | null>;
}

/**
 * The views and entry pages of story versions (shared/views.ts, shared/entry-pages.ts), worked
 * out once per version however many readers ask: every reader of a version gets the same view
 * and mostly the same pages. Keyed by the snapshot object, which the stores keep for the latest
 * version, so an old version's work is dropped with it.
 */
export class StoryViews {
  readonly #derived = new WeakMap<Snapshot, Derived>();

  /** `latestSize`: LATEST_VIEW_ENTRIES. */
  constructor(readonly latestSize: number) {}

  view(snapshot: Snapshot, view: ViewName): Snapshot {
    if (view === "full") return snapshot;
    const derived = this.#of(snapshot);
    return (derived.latest ??= viewOf(snapshot, view, this.latestSize));
  }

  /** The entries after `before` in display order; undefined when `before` is not an entry of this version. */
  entries(snapshot: Snapshot, before: string | undefined, limit: number): EntriesPage | undefined {
    const { pages } = this.#of(snapshot);
    const key = `${before ?? ""}:${limit}`;
    const known = pages.get(key);
    if (known !== undefined) return known ?? undefined;
    return pages.set(key, entriesPage(snapshot, before, limit) ?? null) ?? undefined;
  }

  /** Page `page` of the reader's page, `latestSize` entries to a page (page 1 is the latest view). */
  numbered(snapshot: Snapshot, page: number): NumberedPage | undefined {
    return numberedPage(snapshot, page, this.latestSize);
  }

  #of(snapshot: Snapshot): Derived {
    let derived = this.#derived.get(snapshot);
    if (!derived) this.#derived.set(snapshot, (derived = { pages: new Lru(PAGES_PER_VERSION) }));
    return derived;
  }
}
