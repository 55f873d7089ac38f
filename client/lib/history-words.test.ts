import { describe, expect, it } from "vitest";
import type { HistoryChange } from "../../shared/history-changes.js";
import { figureChangeText, historyChangeText, historyLine } from "./history-words.js";

const EVERY_KIND: HistoryChange[] = [
  { type: "story_created", title: "Удари", language: "uk" },
  { type: "title_changed", title: "Нічні удари" },
  { type: "summary_changed" },
  { type: "status_changed", status: "ended" },
  { type: "status_changed", status: "live" },
  { type: "language_changed", language: "uk" },
  { type: "entry_added", entryId: "e_aaaa", label: "Сирени", kind: "update", pinned: false },
  { type: "entry_added", entryId: "e_aaaa", kind: "breaking", pinned: true },
  { type: "entries_added", count: 3 },
  { type: "entry_edited", entryId: "e_aaaa", label: "Сирени", fields: ["body"] },
  { type: "entry_edited", entryId: "e_aaaa", label: "Сирени", fields: ["kind"], kind: "correction" },
  { type: "entry_pinned", entryId: "e_aaaa", label: "Сирени", pinned: true },
  { type: "entry_pinned", entryId: "e_aaaa", pinned: false },
  { type: "entry_removed", entryId: "e_aaaa", label: "Сирени" },
  { type: "figure_set", factId: "f_injured", label: "Поранені", added: true, value: "щонайменше 11", source: "Поліція" },
  { type: "figure_set", factId: "f_injured", added: false, value: "щонайменше 15" },
  { type: "figure_set", factId: "f_injured", label: "Поранені", added: false },
  { type: "figure_moved", label: "Поранені", order: 2 },
  { type: "figure_removed", label: "Поранені" },
];

/** Two English words in a row: what a catalog's sentence would show if it were left in English. */
const ENGLISH_WORDS = /[A-Za-z]{2,} [A-Za-z]{2,}/;

describe("history words", () => {
  it("say each kind of change in English, with the story's own words isolated", () => {
    expect(historyChangeText(EVERY_KIND[6]!, "en")).toBe("Added “\u2068Сирени\u2069”");
    expect(historyChangeText(EVERY_KIND[10]!, "en")).toBe("Edited “\u2068Сирени\u2069” as a correction");
    expect(historyChangeText(EVERY_KIND[14]!, "en")).toBe("Added the key figure \u2068Поранені\u2069: \u2068щонайменше 11 (Поліція)\u2069");
    expect(historyChangeText(EVERY_KIND[15]!, "en")).toBe("Key figure (name not recorded) now reads \u2068щонайменше 15\u2069");
    expect(historyChangeText(EVERY_KIND[8]!, "en")).toBe("Added 3 entries");
    expect(historyChangeText({ type: "entries_added", count: 1 }, "en")).toBe("Added 1 entry");
  });

  it("say every kind of change in Ukrainian, with no English sentence", () => {
    for (const change of EVERY_KIND) {
      const text = historyChangeText(change, "uk");
      expect(text, JSON.stringify(change)).not.toMatch(ENGLISH_WORDS);
      expect(text).not.toBe("");
    }
    expect(historyChangeText(EVERY_KIND[8]!, "uk")).toBe("Додано 3 записи");
  });

  it("join a version's changes as the language lists things, and word a figure's change with what it was", () => {
    expect(historyLine([EVERY_KIND[3]!, EVERY_KIND[13]!], "en")).toBe("Live coverage ended and Removed “\u2068Сирени\u2069”");
    const before = { id: "f_injured", label: "Injured", value: "at least 11", order: 1, updatedAt: "2026-05-24T01:00:00.000Z" };
    const after = { ...before, value: "at least 15", source: "Police" };
    expect(figureChangeText(before, after, "en")).toBe("Key figure \u2068Injured\u2069 changed from \u2068at least 11\u2069 to \u2068at least 15 (Police)\u2069");
    expect(figureChangeText(before, undefined, "uk")).toBe("Вилучено ключовий показник \u2068Injured\u2069");
  });
});
