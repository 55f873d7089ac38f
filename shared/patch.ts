import jsonpatch from "fast-json-patch";
import type { Operation as PatchOp } from "fast-json-patch";
import type { Snapshot } from "./story.js";

/** One RFC 6902 operation. */
export type { PatchOp };

/**
 * The RFC 6902 patch that turns `from` into `to`. Entries are keyed by id, so an added entry is one
 * `add` and an edited field is one `replace`; `/version` is always the last operation (DESIGN.md §1),
 * which lets a client see the target version of a patch without applying it.
 *
 * `entryIds`, where the caller knows them (the reducer does), are the only entries that differ, in
 * the story's order: the rest are not walked. Walking them costs a long story's every write
 * milliseconds (an object of thousands of keys is enumerated by sorting them), and the patch is
 * the same either way.
 */
export function diffSnapshots(from: Snapshot, to: Snapshot, entryIds?: readonly string[]): PatchOp[] {
  const [before, after] = entryIds ? [only(from, entryIds), only(to, entryIds)] : [from, to];
  const ops = jsonpatch.compare(before, after).filter((op) => op.path !== "/version");
  ops.push({ op: "replace", path: "/version", value: to.version });
  return ops;
}

/** The snapshot with only the entries `ids` of its own, in their place among its fields. */
function only(snapshot: Snapshot, ids: readonly string[]): Snapshot {
  const entries: Snapshot["entries"] = {};
  for (const id of ids) if (Object.hasOwn(snapshot.entries, id)) entries[id] = snapshot.entries[id]!;
  return { ...snapshot, entries };
}

/** Applies `ops` to a copy of `snapshot`; the input is never mutated. Throws on an op that does not apply. */
export function applyPatch(snapshot: Snapshot, ops: readonly PatchOp[]): Snapshot {
  return applyPatchesInPlace(structuredClone(snapshot), [ops]);
}

/**
 * Applies a run of patches, in order, to `document` itself and returns it: for a snapshot the
 * caller owns (freshly parsed or cloned), so that replaying many patches costs one copy, not one
 * per patch. The ops' values are taken in by reference: the caller must not reuse them either.
 * Throws on an op that does not apply.
 */
export function applyPatchesInPlace(document: Snapshot, patches: Iterable<readonly PatchOp[]>): Snapshot {
  let result = document;
  for (const ops of patches) result = jsonpatch.applyPatch(result, ops as PatchOp[], true, true).newDocument;
  return result;
}
