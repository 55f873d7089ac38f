import { describe, expect, it } from "vitest";
import { newEntryId, randomSlugVariant, slugify, slugVariant } from "./ids.js";
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

  it.each([
    // Ukrainian, after the national transliteration (2010)
    ["Обстріл Києва", "obstril-kyieva"],
    ["Київ", "kyiv"],
    ["Удар по Харкову: день 2", "udar-po-kharkovu-den-2"],
    ["Щербухи, Житомир", "shcherbukhy-zhytomyr"],
    ["Згурівка", "zghurivka"],
    ["Ґалаґан", "galagan"],
    ["Єнакієве", "yenakiieve"],
    ["Їжакевич", "yizhakevych"],
    ["Йосипівка", "yosypivka"],
    ["Юрій", "yurii"],
    ["Яготин", "yahotyn"],
    ["Знам'янка", "znamianka"],
    ["Знам’янка", "znamianka"],
    ["Київ", "kyiv"], // decomposed й/ї (NFD) still read as single letters
    // Russian letters the Ukrainian alphabet lacks
    ["Эхо Москвы", "ekho-moskvy"],
    ["Ёлки и подъезд", "yolky-y-podezd"],
    ["Королёв", "koroliov"],
    // Mixed scripts
    ["Kyiv / Київ", "kyiv-kyiv"],
  ])("transliterates %j as %j", (title, slug) => {
    expect(slugify(title)).toBe(slug);
    expect(slug).toMatch(STORY_ID_PATTERN);
  });

  it("makes variants that stay valid slugs", () => {
    expect(slugVariant("kyiv-strikes", 2)).toBe("kyiv-strikes-2");
    expect(slugVariant("a".repeat(64), 12)).toMatch(STORY_ID_PATTERN);
    expect(slugVariant("a".repeat(64), 12)).toHaveLength(64);
  });

  it("makes random variants that stay valid slugs", () => {
    expect(randomSlugVariant("story")).toMatch(/^story-[a-z0-9]{6}$/);
    expect(randomSlugVariant("a".repeat(64))).toMatch(/^a{57}-[a-z0-9]{6}$/);
    const variants = new Set(Array.from({ length: 1000 }, () => randomSlugVariant("story")));
    expect(variants.size).toBe(1000);
    for (const id of variants) expect(id).toMatch(STORY_ID_PATTERN);
  });
});
