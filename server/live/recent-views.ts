import { Lru } from "../../shared/lru.js";
import type { Snapshot } from "../../shared/story.js";
import type { ViewName } from "../../shared/view-names.js";

/**
 * What the recent views kept may weigh, in estimated bytes (entries are counted whole, though most
 * are shared with the story's latest version): the catch-up window (CATCH_UP_VERSIONS) of the
 * latest view of a few busy stories.
 */
export const RECENT_VIEWS_BUDGET = 8 * 1024 * 1024;

/**
 * The views (other than the full one) of the versions this node projected for its readers, kept
 * for a while. A reader coming back a few versions behind (a tunnel, a page from a cache) is sent
 * one patch from the view it holds; without that view at hand the node rebuilt the whole story at
 * that version from the store (its checkpoint parsed: tens of megabytes of heap for a story of
 * thousands of entries, for a projection of fifty), once per cohort of returning readers, which a
 * soak read as memory rising with every update (issue 28). A view is small and was worked out
 * anyway, for the fan-out or a join.
 */
export class RecentViews {
  readonly #views = new Lru<string, { view: Snapshot; weight: number }>(RECENT_VIEWS_BUDGET, (item) => item.weight);

  remember(view: ViewName, projected: Snapshot): void {
    if (view === "full") return; // the store keeps (or rebuilds) whole versions
    const key = keyOf(projected.id, view, projected.version);
    if (!this.#views.get(key)) this.#views.set(key, { view: projected, weight: estimatedBytes(projected) });
  }

  /** The view of the story at `version`, if it is kept. */
  at(storyId: string, view: ViewName, version: number): Snapshot | undefined {
    return this.#views.get(keyOf(storyId, view, version))?.view;
  }

  /** Estimated bytes held (`live_ticker_cache_bytes{cache="recent-views"}`). */
  get bytes(): number {
    return this.#views.weight;
  }
}

const keyOf = (storyId: string, view: ViewName, version: number) => `${storyId}\u0000${view}\u0000${version}`;

/** A view's size in the heap, roughly: its texts (two bytes a character at worst) and a few hundred bytes of fields per entry. */
function estimatedBytes(view: Snapshot): number {
  let bytes = 1024;
  for (const entry of Object.values(view.entries)) bytes += 2 * (entry.body.length + entry.html.length + (entry.headline?.length ?? 0)) + 512;
  return bytes;
}
