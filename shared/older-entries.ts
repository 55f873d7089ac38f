import { entriesInDisplayOrder } from "./display-order.js";
import type { PatchOp } from "./patch.js";
import type { Entry, Snapshot } from "./story.js";

/**
 * What a reader who has loaded older entries (beyond the latest view) does when the view moves
 * from `previous` to `next`: the view's own patch cannot say what happened to entries outside it,
 * so `ops` is the full story's patch between the same versions (`GET /api/stories/:id/patch`, one
 * immutable, cacheable answer per version pair). Either the loaded entries stay right as they are
 * (entries that just fell out of the view join them at the top), or a version touched one of
 * them, or one that left the view, and the loaded range must be fetched again: "refetch".
 */
export function reconcileOlder(older: readonly Entry[], previous: Snapshot, next: Snapshot, ops: readonly PatchOp[]): Entry[] | "refetch" {
  const touched = new Set<string>();
  const removed = new Set<string>();
  for (const op of ops) {
    const match = /^\/entries\/([^/]+)(\/.*)?$/.exec(op.path);
    if (!match) continue;
    const id = match[1]!;
    if (op.op === "remove" && match[2] === undefined) removed.add(id);
    else touched.add(id);
  }
  const left = entriesInDisplayOrder(previous).filter((entry) => !next.entries[entry.id] && !removed.has(entry.id));
  if (left.some((entry) => touched.has(entry.id) || entry.pinned)) return "refetch";
  if (older.some((entry) => touched.has(entry.id))) return "refetch";
  return [...left, ...older.filter((entry) => !removed.has(entry.id))];
}

/** The cursor to page back from: the last loaded older entry, else the view's last unpinned one; none when the view has no unpinned entries. */
export function olderCursor(view: Snapshot, older: readonly Entry[]): string | undefined {
  return older.at(-1)?.id ?? entriesInDisplayOrder(view).findLast((entry) => !entry.pinned)?.id;
}
