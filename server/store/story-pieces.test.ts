import { describe, expect, it } from "vitest";
import { reduce } from "../../shared/reducer.js";
import type { StampedOperation } from "../../shared/operations.js";
import type { Snapshot } from "../../shared/story.js";
import { assemble, entryChanges, headJson } from "./story-pieces.js";

let clock = 0;
const stamp = (op: Omit<StampedOperation, "at" | "author"> & { type: StampedOperation["type"] }) =>
  ({ ...op, at: new Date(Date.UTC(2026, 0, 1) + ++clock * 1000).toISOString(), author: { name: "Desk" } }) as StampedOperation;
const transition = (story: Snapshot | undefined, op: Parameters<typeof stamp>[0]) => reduce(story, stamp(op))!;
const step = (story: Snapshot | undefined, op: Parameters<typeof stamp>[0]) => transition(story, op).snapshot;
/** What a commit writes for `op` on `story`: the rows of the entries the reducer names. */
const changesOf = (story: Snapshot, op: Parameters<typeof stamp>[0]) => {
  const { snapshot, entryIds } = transition(story, op);
  return { snapshot, changes: entryChanges(story, snapshot, entryIds) };
};

function storyWith(count: number): Snapshot {
  let story = step(undefined, { type: "create_story", storyId: "s", title: "S", summary: "" } as never);
  for (let n = 0; n < count; n++) story = step(story, { type: "add_entry", entryId: `e_${n}`, body: `Update ${n}`, kind: "update", pinned: false } as never);
  return story;
}

describe("story pieces", () => {
  it("finds the one entry an edit changed among many, and a removal, without touching the rest", () => {
    const before = storyWith(300);
    const { snapshot: edited, changes } = changesOf(before, { type: "edit_entry", entryId: "e_150", body: "Changed" } as never);
    expect(changes.removals).toEqual([]);
    expect(changes.upserts.map((row) => row.id)).toEqual(["e_150"]);
    expect(JSON.parse(changes.upserts[0]!.json)).toEqual(edited.entries.e_150);
    const removal = changesOf(edited, { type: "remove_entry", entryId: "e_7" } as never);
    expect(removal.changes).toEqual({ upserts: [], removals: ["e_7"] });
    expect(changesOf(removal.snapshot, { type: "update_story", title: "T" } as never).changes).toEqual({ upserts: [], removals: [] });
  });

  it("puts a snapshot back together from its head and entry rows as the same JSON", () => {
    const story = storyWith(5);
    const head = headJson(story);
    expect(JSON.parse(head).entries).toEqual({});
    expect(head.length).toBeLessThan(400);
    const rows = entryChanges(undefined, story, Object.keys(story.entries)).upserts.map((row) => row.json);
    expect(JSON.stringify(assemble(head, rows))).toBe(JSON.stringify(story));
    const empty = storyWith(0);
    expect(assemble(headJson(empty), [])).toEqual(empty);
  });
});
