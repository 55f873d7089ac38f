import type { Entry, Snapshot } from "./story.js";

// Kept apart from story.ts (which holds the zod schemas) so browser bundles that only need the
// order of entries do not carry the validator.

/** Display order of DESIGN.md §1: pinned first, then newest first. */
export function entriesInDisplayOrder(snapshot: Snapshot): Entry[] {
  return Object.values(snapshot.entries).sort(
    (a, b) => Number(b.pinned) - Number(a.pinned) || b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id),
  );
}
