import jsonpatch from "fast-json-patch";
import type { Operation as PatchOp } from "fast-json-patch";
import type { Snapshot } from "./story.js";

/** One RFC 6902 operation. */
export type { PatchOp };

/**
 * The RFC 6902 patch that turns `from` into `to`. Entries are keyed by id, so an added entry is one
 * `add` and an edited field is one `replace`; `/version` is always the last operation (DESIGN.md §1),
 * which lets a client see the target version of a patch without applying it.
 */
export function diffSnapshots(from: Snapshot, to: Snapshot): PatchOp[] {
  const ops = jsonpatch.compare(from, to).filter((op) => op.path !== "/version");
  ops.push({ op: "replace", path: "/version", value: to.version });
  return ops;
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
