import { describe, expect, it } from "vitest";
import { newEntryId, slugify, slugVariant } from "./ids.js";
import { ENTRY_ID_PATTERN, STORY_ID_PATTERN } from "./story.js";

describe("ids", () => {
  it("generates distinct entry ids that fit the pattern", () => {
    const ids = new Set(Array.from({ length: 10_000 }, newEntryId));
    expect(ids.size).toBe(10_000);
    for (const id of ids) expect(id).toMatch(ENTRY_ID_PATTERN);
  });

  it.each([
    ["Kyiv strikes: day 2", "kyiv-strikes-day-2"],
    ["Élection à Zürich", "election-a-zurich"],
    ["  --Hello--  ", "hello"],
    ["日本語", "story"],
    ["a".repeat(100), "a".repeat(64)],
  ])("slugifies %j as %j", (title, slug) => {
    expect(slugify(title)).toBe(slug);
    expect(slug).toMatch(STORY_ID_PATTERN);
  });

  it("makes variants that stay valid slugs", () => {
    expect(slugVariant("kyiv-strikes", 2)).toBe("kyiv-strikes-2");
    expect(slugVariant("a".repeat(64), 12)).toMatch(STORY_ID_PATTERN);
    expect(slugVariant("a".repeat(64), 12)).toHaveLength(64);
  });
});
