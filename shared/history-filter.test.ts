import { describe, expect, it } from "vitest";
import type { HistoryItem } from "./api.js";
import { collectHistoryPage, historyPath, matchesHistoryFilter } from "./history-filter.js";

/** Versions `count` down to 1: odd ones by Olena, even ones by Taras; every tenth edits e_target. */
function versions(count: number): HistoryItem[] {
  return Array.from({ length: count }, (_, i) => {
    const version = count - i;
    const changes: HistoryItem["changes"] =
      version % 10 === 0 ? [{ type: "entry_edited", entryId: "e_target", fields: ["body"] }] : [{ type: "entry_added", entryId: `e_${version}`, kind: "update", pinned: false }];
    return { version, at: "2026-05-24T00:00:00.000Z", author: { name: version % 2 ? "Olena" : "Taras" }, summary: "", changes };
  });
}

async function* inChunks(items: HistoryItem[], size: number) {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

describe("history filters and pages", () => {
  it("matches by author and by the update a version touched", () => {
    const [v100, v99] = versions(100);
    expect(matchesHistoryFilter(v100!, {})).toBe(true);
    expect(matchesHistoryFilter(v100!, { author: "Taras" })).toBe(true);
    expect(matchesHistoryFilter(v99!, { author: "Taras" })).toBe(false);
    expect(matchesHistoryFilter(v100!, { entryId: "e_target" })).toBe(true);
    expect(matchesHistoryFilter(v99!, { entryId: "e_target" })).toBe(false);
    expect(matchesHistoryFilter(v100!, { entryId: "e_target", author: "Olena" })).toBe(false);
  });

  it("pages by `before`, the filter kept in every address", () => {
    expect(historyPath("kyiv", {})).toBe("/stories/kyiv/history");
    expect(historyPath("kyiv", { author: "Night desk & co", entryId: "e_abcd" }, 40)).toBe("/stories/kyiv/history?entry=e_abcd&author=Night+desk+%26+co&before=40");
  });

  it("collects a page of matches across chunks, and says where the next starts", async () => {
    const all = versions(2000);
    const first = await collectHistoryPage(inChunks(all, 500), {}, 50, 2000);
    expect(first.versions.map((v) => v.version)).toEqual(Array.from({ length: 50 }, (_, i) => 2000 - i));
    expect(first.older).toBe(1951);
    const taras = await collectHistoryPage(inChunks(all, 500), { author: "Taras" }, 50, 2000);
    expect(taras.versions.every((v) => v.author.name === "Taras")).toBe(true);
    expect(taras.versions).toHaveLength(50);
    expect(taras.older).toBe(1902);
    // The last page: nothing older.
    const last = await collectHistoryPage(inChunks(all.slice(-30), 500), {}, 50, 2000);
    expect(last.versions).toHaveLength(30);
    expect(last.older).toBeUndefined();
  });

  it("stops reading at the scan limit, and goes on from there on the next page", async () => {
    const rare = await collectHistoryPage(inChunks(versions(2000), 500), { entryId: "e_target" }, 50, 300);
    expect(rare.versions.map((v) => v.version)).toEqual(Array.from({ length: 30 }, (_, i) => 2000 - i * 10));
    expect(rare.older).toBe(1701);
  });
});
