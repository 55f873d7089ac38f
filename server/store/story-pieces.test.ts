import { describe, expect, it } from "vitest";
import { reduce } from "../../shared/reducer.js";
import type { StampedOperation } from "../../shared/operations.js";
import type { Snapshot } from "../../shared/story.js";
import { assemble, entryChanges, headJson } from "./story-pieces.js";

let clock = 0;
const stamp = (op: Omit<StampedOperation, "at" | "author"> & { type: StampedOperation["type"] }) =>
  ({ ...op, at: new Date(Date.UTC(2026, 0, 1) + ++clock * 1000).toISOString(), author: { name: "Desk" } }) as StampedOperation;
const step = (story: Snapshot | undefined, op: Parameters<typeof stamp>[0]) => reduce(story, stamp(op))!.snapshot;

function storyWith(count: number): Snapshot {
  let story = step(undefined, { type: "create_story", storyId: "s", title: "S", summary: "" } as never);
  for (let n = 0; n < count; n++) story = step(story, { type: "add_entry", entryId: `e_${n}`, body: `Update ${n}`, kind: "update", pinned: false } as never);
  return story;
}

describe("story pieces", () => {
  it("finds the one entry an edit changed among many, and a removal, without touching the rest", () => {
    const before = storyWith(300);
    const edited = step(before, { type: "edit_entry", entryId: "e_150", body: "Changed" } as never);
    const changes = entryChanges(before, edited);
    expect(changes.removals).toEqual([]);
    expect(changes.upserts.map((row) => row.id)).toEqual(["e_150"]);
    expect(JSON.parse(changes.upserts[0]!.json)).toEqual(edited.entries.e_150);
    const removed = step(edited, { type: "remove_entry", entryId: "e_7" } as never);
    expect(entryChanges(edited, removed)).toEqual({ upserts: [], removals: ["e_7"] });
    const titled = step(removed, { type: "update_story", title: "T" } as never);
    expect(entryChanges(removed, titled)).toEqual({ upserts: [], removals: [] });
  });

  it("puts a snapshot back together from its head and entry rows as the same JSON", () => {
    const story = storyWith(5);
    const head = headJson(story);
    expect(JSON.parse(head).entries).toEqual({});
    expect(head.length).toBeLessThan(400);
    const rows = entryChanges(undefined, story).upserts.map((row) => row.json);
    expect(JSON.stringify(assemble(head, rows))).toBe(JSON.stringify(story));
    const empty = storyWith(0);
    expect(assemble(headJson(empty), [])).toEqual(empty);
  });
});
