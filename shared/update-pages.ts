import jsonpatch from "fast-json-patch";
import { entriesInDisplayOrder } from "./display-order.js";
import type { PatchOp } from "./patch.js";
import { ENTRY_ID_PATTERN } from "./id-patterns.js";
import type { Entry, Snapshot } from "./story.js";

/** The path of an update's own page (DESIGN.md §3): what every reader surface, feed and JSON-LD links an update to. */
export const updatePath = (storyId: string, entryId: string): string => `/stories/${storyId}/updates/${entryId}`;

/** The same, absolute: `publicUrl` is PUBLIC_URL (canonical links, Open Graph, feeds, JSON-LD). */
export const updateUrl = (publicUrl: string, storyId: string, entryId: string): string => `${publicUrl.replace(/\/+$/, "")}${updatePath(storyId, entryId)}`;

/** What one version span did to an update an update page shows: nothing, a new state of it, or its removal (with the story's time of it). */
export type UpdateChange = { kind: "unchanged" } | { kind: "changed"; entry: Entry } | { kind: "removed"; at: string };

/**
 * What the story's full patch between two versions (`GET /api/stories/:id/patch`) did to `entry`:
 * only the operations under `/entries/<its id>` are applied, to a document holding it alone, so an
 * update page follows its update without ever holding the story. The removal's time is the story's
 * `updatedAt` the same patch sets (every committed version sets it), else `fallbackAt`.
 */
export function updateAfterPatch(entry: Entry, ops: readonly PatchOp[], fallbackAt: string): UpdateChange {
  const prefix = `/entries/${entry.id}`;
  const own = ops.filter((op) => op.path === prefix || op.path.startsWith(`${prefix}/`));
  if (own.length === 0) return { kind: "unchanged" };
  const document = { entries: { [entry.id]: structuredClone(entry) } as Record<string, Entry> };
  const next = jsonpatch.applyPatch(document, own as PatchOp[], false, true).newDocument.entries[entry.id];
  if (next) return { kind: "changed", entry: next };
  const updatedAt = ops.find((op) => op.op === "replace" && op.path === "/updatedAt");
  return { kind: "removed", at: updatedAt && "value" in updatedAt && typeof updatedAt.value === "string" ? updatedAt.value : fallbackAt };
}

/**
 * Where an update stands among the reader's numbered pages (`/stories/:id?page=N`, shared/entry-pages.ts):
 * 1 for a pinned entry and the latest view's, else the page that lists it. Undefined when it is not in the story.
 */
export function pageOfUpdate(snapshot: Snapshot, entryId: string, size: number): number | undefined {
  const ordered = entriesInDisplayOrder(snapshot);
  const index = ordered.findIndex((entry) => entry.id === entryId);
  if (index === -1) return undefined;
  if (ordered[index]!.pinned) return 1;
  const firstUnpinned = ordered.findIndex((entry) => !entry.pinned);
  return Math.floor((index - firstUnpinned) / size) + 1;
}

/** The entry id a live page's address names (`#e_7Gh2`), if it names one. */
export function entryIdInHash(hash: string): string | undefined {
  const id = hash.slice(1);
  return hash.startsWith("#") && ENTRY_ID_PATTERN.test(id) ? id : undefined;
}
