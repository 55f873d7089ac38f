/** live/join-messages.ts alone: which catch-ups a version answers, and how much of them it keeps. */
import { describe, expect, it } from "vitest";
import { reduce } from "../../shared/reducer.js";
import type { Snapshot } from "../../shared/story.js";
import { CATCH_UP_VERSIONS, JoinMessages } from "./join-messages.js";

/** Versions 1..count of a story, each adding an entry of ~2 KB. */
function history(count: number): Snapshot[] {
  const at = "2026-05-24T01:02:03.000Z";
  let snapshot = reduce(undefined, { type: "create_story", storyId: "s", title: "T", summary: "", at, author: { name: "D" } })!.snapshot;
  const versions = [snapshot];
  for (let n = 2; n <= count; n++) {
    snapshot = reduce(snapshot, { type: "add_entry", entryId: `e_${String(n).padStart(4, "0")}`, kind: "update", pinned: false, body: `Entry ${n} `.repeat(200), at, author: { name: "D" } })!.snapshot;
    versions.push(snapshot);
  }
  return versions;
}

describe("JoinMessages", () => {
  const versions = history(CATCH_UP_VERSIONS * 2 + 1);
  const latest = versions.at(-1)!;

  it(`answers a from up to ${CATCH_UP_VERSIONS} versions back with one patch, and one farther back with the snapshot, whatever base it is given`, () => {
    const joins = new JoinMessages(latest);
    const near = latest.version - CATCH_UP_VERSIONS;
    expect(joins.catchUp(near, versions[near - 1])).toMatchObject({ from: near, to: latest.version });
    expect(joins.catchUp(near - 1, versions[near - 2])).toBeNull();
    expect(joins.known(near - 1)).toBeUndefined(); // not even worked out
  });

  it("keeps the catch-ups of one version within twice the snapshot's weight, the most recently used first", () => {
    const joins = new JoinMessages(latest);
    const snapshotLength = joins.snapshot().jsonLength;
    const froms = Array.from({ length: CATCH_UP_VERSIONS }, (_, n) => latest.version - CATCH_UP_VERSIONS + n);
    for (const from of froms) joins.catchUp(from, versions[from - 1]);
    const kept = froms.map((from) => joins.known(from)).filter((patch) => patch);
    const weight = kept.reduce((sum, patch) => sum + JSON.stringify(patch!.ops).length, 0);
    expect(weight).toBeLessThanOrEqual(2 * snapshotLength + CATCH_UP_VERSIONS);
    expect(kept.length).toBeLessThan(froms.length); // the far ones, nearly snapshots, went
    expect(joins.known(latest.version - 1)).toBeTruthy(); // a reader one version behind still finds its patch
    // One evicted is worked out again when asked, the same patch.
    const first = froms[0]!;
    expect(joins.known(first)).toBeUndefined();
    expect(joins.catchUp(first, versions[first - 1])).toMatchObject({ from: first, to: latest.version });
  });
});
