import { describe, expect, it } from "vitest";
import type { Entry, Snapshot } from "../../shared/story.js";
import { announcementFor, latestEntries, tickerText } from "./ticker-items.js";

const entry = (id: string, minute: number, fields: Partial<Entry> = {}): Entry => ({
  id, createdAt: `2026-05-24T01:${String(minute).padStart(2, "0")}:00.000Z`, updatedAt: "2026-05-24T01:00:00.000Z",
  author: { name: "Desk" }, kind: "update", pinned: false, body: "Body", html: "<p>Body</p>", revision: 1, ...fields,
});

describe("ticker items", () => {
  it("shows the headline, or else the first line of the body as plain text", () => {
    expect(tickerText(entry("e_a", 1, { headline: "Sirens in Kyiv" }))).toBe("Sirens in Kyiv");
    expect(tickerText(entry("e_a", 1, { body: "\n\n> **Fire** on [four floors](https://x.example) in `Obolon`\nmore" }))).toBe("Fire on four floors in Obolon");
    expect(tickerText(entry("e_a", 1, { body: "word ".repeat(60) }))).toMatch(/^(word ){27}word…$/);
    expect(tickerText(entry("e_a", 1, { headline: " ", body: "![](https://x.example/a.png)" }))).toBe("Update by Desk"); // never an empty link
  });

  it("takes the latest entries newest first, pinned or not", () => {
    const story = { entries: { e_a: entry("e_a", 1, { pinned: true }), e_b: entry("e_b", 3), e_c: entry("e_c", 2) } } as unknown as Snapshot;
    expect(latestEntries(story, 2).map((e) => e.id)).toEqual(["e_b", "e_c"]);
  });

  it("announces new items one by one, or as a count when many arrive at once", () => {
    expect(announcementFor([])).toBe("");
    expect(announcementFor([entry("e_a", 1, { headline: "One" }), entry("e_b", 2, { headline: "Two" })])).toBe("New update: One. New update: Two");
    expect(announcementFor(["A", "B", "C", "D"].map((h, i) => entry(`e_${h}`, i, { headline: h })))).toBe("4 new updates. Latest: A");
  });

  it("speaks the page's interface language, with its plural forms", () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => entry(`e_n${i}`, i % 60, { headline: `H${i}` }));
    expect(tickerText(entry("e_a", 1, { headline: " ", body: "![](https://x.example/a.png)" }), "uk")).toBe("Оновлення від Desk");
    expect(announcementFor(many(2), "uk")).toBe("Нове оновлення: H0. Нове оновлення: H1");
    expect(announcementFor(many(4), "uk")).toBe("4 нові оновлення. Останнє: H0");
    expect(announcementFor(many(5), "uk")).toBe("5 нових оновлень. Останнє: H0");
    expect(announcementFor(many(21), "uk")).toBe("21 нове оновлення. Останнє: H0");
  });
});
