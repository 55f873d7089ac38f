import { describe, expect, it } from "vitest";
import { entriesInDisplayOrder } from "./display-order.js";
import { entriesPage, numberedPage } from "./entry-pages.js";
import { reduce } from "./reducer.js";
import type { Snapshot } from "./story.js";
import { latestView } from "./views.js";

const author = { name: "Desk" };
const created = reduce(undefined, { type: "create_story", storyId: "s", title: "T", summary: "", at: "2026-05-24T00:00:00.000Z", author })!.snapshot;
let clock = 0;
function add(story: Snapshot, count: number, pinned = false): Snapshot {
  for (let n = 0; n < count; n++) {
    clock++;
    const at = new Date(Date.UTC(2026, 4, 24, 1, 0, 0, 0) + clock * 1000).toISOString();
    story = reduce(story, { type: "add_entry", entryId: `e_${String(clock).padStart(6, "0")}`, body: "b", kind: "update", pinned, at, author })!.snapshot;
  }
  return story;
}

describe("entriesPage", () => {
  it("pages in display order by cursor, with `next` on every page but the last", () => {
    const story = add(add(created, 2, true), 25);
    const ordered = entriesInDisplayOrder(story).map((entry) => entry.id);
    const first = entriesPage(story, undefined, 10)!;
    expect(first.entries.map((entry) => entry.id)).toEqual(ordered.slice(0, 10));
    expect(first.next).toBe(ordered[9]);
    const last = entriesPage(story, ordered[19], 10)!;
    expect(last.entries.map((entry) => entry.id)).toEqual(ordered.slice(20));
    expect(last).not.toHaveProperty("next");
    expect(entriesPage(story, ordered.at(-1), 10)).toEqual({ entries: [] });
    expect(entriesPage(story, "e_gone00", 10)).toBeUndefined();
  });

  it("reaches every older entry exactly once while entries are added at the top", () => {
    let story = add(created, 300);
    const before = new Set(Object.keys(story.entries));
    const seen: string[] = [];
    let cursor = entriesInDisplayOrder(latestView(story, 50)).at(-1)!.id;
    seen.push(...Object.keys(latestView(story, 50).entries));
    for (;;) {
      story = add(story, 7); // a busy desk between two pages
      const page = entriesPage(story, cursor, 40)!;
      seen.push(...page.entries.map((entry) => entry.id));
      if (!page.next) break;
      cursor = page.next;
    }
    expect(seen.length).toBe(new Set(seen).size);
    expect(new Set(seen)).toEqual(before);
  });
});

describe("numberedPage", () => {
  it("page 1 is the latest view; later pages hold the older unpinned entries, `size` each", () => {
    const story = add(add(created, 3, true), 23);
    const ordered = entriesInDisplayOrder(story);
    const one = numberedPage(story, 1, 10)!;
    expect(one.entries.map((entry) => entry.id)).toEqual(entriesInDisplayOrder(latestView(story, 10)).map((entry) => entry.id));
    expect(one.pages).toBe(3);
    expect(numberedPage(story, 2, 10)!.entries).toEqual(ordered.slice(13, 23));
    expect(numberedPage(story, 3, 10)!.entries).toEqual(ordered.slice(23));
    expect(numberedPage(story, 4, 10)).toBeUndefined();
    expect(numberedPage(story, 0, 10)).toBeUndefined();
    expect(numberedPage(created, 1, 10)).toEqual({ entries: [], page: 1, pages: 1 });
  });
});
