import { describe, expect, it } from "vitest";
import { reduce } from "../../shared/reducer.js";
import type { Operation } from "../../shared/operations.js";
import type { Snapshot } from "../../shared/story.js";
import { atomFeed } from "./atom.js";
import type { FeedInput } from "./feed-model.js";
import { jsonFeed } from "./json-feed.js";

const author = { name: "مكتب الليل" };
const at = (n: number) => new Date(Date.UTC(2026, 4, 24, 1, 0, n)).toISOString();

function story(language: string): Snapshot {
  const ops: Operation[] = [
    { type: "create_story", storyId: "s", title: "ضربات", summary: "هجوم ليلي", language },
    // Photos alone: no headline, no text; the feed names it by its kind.
    { type: "add_entry", entryId: "e_aaaa", body: "", kind: "update", pinned: false, media: [{ type: "image", id: `m_${"1".repeat(32)}`, alt: "دخان", width: 1600, height: 900 }] },
    { type: "set_fact", factId: "f_injured", label: "الجرحى", value: "15 على الأقل" },
  ];
  let snapshot: Snapshot | undefined;
  for (const [n, op] of ops.entries()) snapshot = reduce(snapshot, { ...op, at: at(n), author })!.snapshot;
  return snapshot!;
}

const input = (snapshot: Snapshot): FeedInput => ({
  snapshot,
  removed: [{ entryId: "e_gone", version: 2, at: at(5), author, publishedAt: at(1) }],
  limit: 50,
  publicUrl: "https://live.example.org",
});

describe("the words feeds add to a story's own", () => {
  it("are in the story's language where there is a catalog for it", () => {
    const json = jsonFeed(input(story("ar")));
    expect(json.description).toBe("هجوم ليلي أرقام رئيسية: الجرحى: 15 على الأقل.");
    expect(json.items.map((item) => item.title)).toEqual(expect.arrayContaining(["تحديث", "حُذف التحديث"]));
    expect(json.items.find((item) => item.title === "حُذف التحديث")!.content_html).toBe("<p>حذف فريق التحرير هذا التحديث.</p>");
    const atom = atomFeed(input(story("ar")));
    expect(atom).toContain("<at:comment>حذفه فريق التحرير</at:comment>");
    expect(atom).toContain("<title>تحديث</title>");
    expect(atom).not.toMatch(/Removed by the desk|Key figures|>Update</);
  });

  it("are English in a language without one, as before", () => {
    const json = jsonFeed(input(story("fa")));
    expect(json.description).toBe("هجوم ليلي Key figures: الجرحى: 15 على الأقل.");
    expect(json.items.map((item) => item.title)).toEqual(expect.arrayContaining(["Update", "Entry removed"]));
  });
});
