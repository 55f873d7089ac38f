import { describe, expect, it } from "vitest";
import { entriesPage } from "./entry-pages.js";
import { olderCursor, reconcileOlder } from "./older-entries.js";
import { diffSnapshots } from "./patch.js";
import type { Operation } from "./operations.js";
import { reduce } from "./reducer.js";
import type { Snapshot } from "./story.js";
import { latestView } from "./views.js";

const SIZE = 3;
let second = 0;
const apply = (story: Snapshot | undefined, op: Operation) => reduce(story, { ...op, at: new Date(Date.UTC(2026, 4, 24, 1, 0, ++second)).toISOString(), author: { name: "D" } })!.snapshot;
const add = (story: Snapshot, id: string, pinned = false) => apply(story, { type: "add_entry", entryId: id, body: id, kind: "update", pinned });

/** A story of ten entries, and a reader with the view and the next four older ones loaded. */
function reader() {
  let story = apply(undefined, { type: "create_story", storyId: "s", title: "T", summary: "" });
  for (let n = 0; n < 10; n++) story = add(story, `e_000${n}`);
  const view = latestView(story, SIZE);
  const older = entriesPage(story, olderCursor(view, []), 4)!.entries;
  return { story, view, older };
}

/** What the reader shows, older entries included, must equal what a fresh reader paging as far would get. */
function step(before: ReturnType<typeof reader>, op: Operation) {
  const story = apply(before.story, op);
  const view = latestView(story, SIZE);
  return { story, view, result: reconcileOlder(before.older, before.view, view, diffSnapshots(before.story, story)) };
}

describe("reconcileOlder", () => {
  it("carries the entry that falls out of the view over to the loaded ones when a new entry arrives", () => {
    const before = reader();
    expect(before.older.map((entry) => entry.id)).toEqual(["e_0006", "e_0005", "e_0004", "e_0003"]);
    const { result } = step(before, { type: "add_entry", entryId: "e_0010", body: "x", kind: "update", pinned: false });
    expect(result).not.toBe("refetch");
    expect((result as { id: string }[]).map((entry) => entry.id)).toEqual(["e_0007", "e_0006", "e_0005", "e_0004", "e_0003"]);
  });

  it("drops a loaded entry that is removed, without a refetch", () => {
    const { result } = step(reader(), { type: "remove_entry", entryId: "e_0005" });
    expect((result as { id: string }[]).map((entry) => entry.id)).toEqual(["e_0006", "e_0004", "e_0003"]);
  });

  it("asks for a refetch when a loaded entry is edited, pinned, or one leaving the view changed", () => {
    expect(step(reader(), { type: "edit_entry", entryId: "e_0004", body: "new" }).result).toBe("refetch");
    expect(step(reader(), { type: "edit_entry", entryId: "e_0004", pinned: true }).result).toBe("refetch");
    const pinnedOld = (() => {
      const r = reader();
      const story = apply(r.story, { type: "edit_entry", entryId: "e_0001", pinned: true });
      return { ...r, story, view: latestView(story, SIZE) };
    })();
    // Unpinning an old entry takes it out of the view and into the older range.
    expect(step(pinnedOld, { type: "edit_entry", entryId: "e_0001", pinned: false }).result).toBe("refetch");
  });

  it("leaves the loaded entries alone when the story's fields or the view's own entries change", () => {
    const before = reader();
    expect(step(before, { type: "update_story", title: "New" }).result).toEqual(before.older);
    expect(step(before, { type: "edit_entry", entryId: "e_0009", body: "edited" }).result).toEqual(before.older);
  });
});
