import { entriesInDisplayOrder } from "./display-order.js";
import { diffSnapshots, type PatchOp } from "./patch.js";
import type { Entry, Snapshot } from "./story.js";
import type { ViewName } from "./view-names.js";

export { VIEW_NAMES, LATEST_VIEW_ENTRIES, type ViewName } from "./view-names.js";

/**
 * The latest view of DESIGN.md §4: every story field as it is, and of the entries only the pinned
 * ones and the `size` newest of the others. What a reader page shows first, so its cost stays
 * the same however long the story grows. Keys keep the snapshot's order, so the JSON of a view is
 * the snapshot's with entries left out.
 */
export function latestView(snapshot: Snapshot, size: number): Snapshot {
  const kept = new Set(keptEntries(snapshot, size).map((entry) => entry.id));
  if (kept.size === Object.keys(snapshot.entries).length) return snapshot;
  const entries: Record<string, Entry> = {};
  for (const [id, entry] of Object.entries(snapshot.entries)) if (kept.has(id)) entries[id] = entry;
  return { ...snapshot, entries };
}

/** `snapshot` as the named view shows it (the full view is the snapshot itself). */
export function viewOf(snapshot: Snapshot, view: ViewName, size: number): Snapshot {
  return view === "full" ? snapshot : latestView(snapshot, size);
}

/**
 * The RFC 6902 patch that takes the view of `from` to the view of `to`: the diff of the two
 * projections, so a stock JSON Patch library applies it, and a new entry is one `add` and the
 * entry that falls out one `remove`. Diffing views of a bounded size costs what the view costs,
 * not what the story does (the projection walks the entries once, without copying them).
 */
export function viewPatch(from: Snapshot, to: Snapshot, view: ViewName, size: number): PatchOp[] {
  return diffSnapshots(viewOf(from, view, size), viewOf(to, view, size));
}

/** The pinned entries and the `size` newest others, in display order. */
function keptEntries(snapshot: Snapshot, size: number): Entry[] {
  const ordered = entriesInDisplayOrder(snapshot);
  const pinned = ordered.findIndex((entry) => !entry.pinned);
  return pinned === -1 ? ordered : ordered.slice(0, pinned + size);
}
