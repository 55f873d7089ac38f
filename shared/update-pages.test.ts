import { describe, expect, it } from "vitest";
import { entriesInDisplayOrder } from "./display-order.js";
import { diffSnapshots } from "./patch.js";
import { reduce } from "./reducer.js";
import type { Snapshot } from "./story.js";
import { entryIdInHash, pageOfUpdate, updateAfterPatch, updatePath, updateUrl } from "./update-pages.js";

const author = { name: "Desk" };
const created = reduce(undefined, { type: "create_story", storyId: "s", title: "T", summary: "", at: "2026-05-24T00:00:00.000Z", author })!.snapshot;
let clock = 0;
const nextAt = () => new Date(Date.UTC(2026, 4, 24, 1, 0, 0, 0) + ++clock * 1000).toISOString();
function add(story: Snapshot, count: number, pinned = false): Snapshot {
  for (let n = 0; n < count; n++) {
    const at = nextAt();
    story = reduce(story, { type: "add_entry", entryId: `e_${String(clock).padStart(6, "0")}`, body: `body ${clock}`, kind: "update", pinned, at, author })!.snapshot;
  }
  return story;
}

describe("update addresses", () => {
  it("are the update page's path, absolute under PUBLIC_URL without a doubled slash", () => {
    expect(updatePath("kyiv", "e_abcd")).toBe("/stories/kyiv/updates/e_abcd");
    expect(updateUrl("https://news.example/", "kyiv", "e_abcd")).toBe("https://news.example/stories/kyiv/updates/e_abcd");
  });

  it("reads an entry id from a live page's hash, and nothing else", () => {
    expect(entryIdInHash("#e_7Gh2")).toBe("e_7Gh2");
    expect(entryIdInHash("#stream-title")).toBeUndefined();
    expect(entryIdInHash("e_7Gh2")).toBeUndefined();
    expect(entryIdInHash("#e_7Gh2<img>")).toBeUndefined();
    expect(entryIdInHash("")).toBeUndefined();
  });
});

describe("updateAfterPatch", () => {
  const story = add(created, 3);
  const [target, other] = Object.values(story.entries);

  it("follows an edit of the update from the story's full patch, ignoring every other entry", () => {
    const edited = reduce(story, { type: "edit_entry", entryId: target!.id, body: "corrected **text**", at: nextAt(), author })!.snapshot;
    const change = updateAfterPatch(target!, diffSnapshots(story, edited), "fallback");
    expect(change).toEqual({ kind: "changed", entry: edited.entries[target!.id] });
    const otherEdit = reduce(story, { type: "edit_entry", entryId: other!.id, body: "elsewhere", at: nextAt(), author })!.snapshot;
    expect(updateAfterPatch(target!, diffSnapshots(story, otherEdit), "fallback")).toEqual({ kind: "unchanged" });
  });

  it("says when the update was removed, at the story's time of the removal", () => {
    const at = nextAt();
    const removed = reduce(story, { type: "remove_entry", entryId: target!.id, at, author })!.snapshot;
    expect(updateAfterPatch(target!, diffSnapshots(story, removed), "fallback")).toEqual({ kind: "removed", at });
    expect(updateAfterPatch(target!, [{ op: "remove", path: `/entries/${target!.id}` }], "fallback")).toEqual({ kind: "removed", at: "fallback" });
  });

  it("does not take an entry whose id merely starts with the update's", () => {
    expect(updateAfterPatch(target!, [{ op: "remove", path: `/entries/${target!.id}9` }], "x")).toEqual({ kind: "unchanged" });
  });
});

describe("pageOfUpdate", () => {
  it("names the numbered page that lists an update: 1 for pinned ones and the newest `size`", () => {
    const story = add(add(created, 2, true), 25);
    const ordered = entriesInDisplayOrder(story);
    expect(pageOfUpdate(story, ordered[0]!.id, 10)).toBe(1); // pinned
    expect(pageOfUpdate(story, ordered[2]!.id, 10)).toBe(1);
    expect(pageOfUpdate(story, ordered[11]!.id, 10)).toBe(1);
    expect(pageOfUpdate(story, ordered[12]!.id, 10)).toBe(2);
    expect(pageOfUpdate(story, ordered.at(-1)!.id, 10)).toBe(3);
    expect(pageOfUpdate(story, "e_missing", 10)).toBeUndefined();
  });
});
