import { describe, expect, it } from "vitest";
import { CreateStoryBody, UpdateStoryBody } from "./api.js";
import { canonicalLanguage, textDirection } from "./language.js";
import { Snapshot } from "./story.js";

describe("story languages", () => {
  it("takes any well-formed BCP 47 tag, in its canonical form, and nothing else", () => {
    expect(canonicalLanguage("EN-gb")).toBe("en-GB");
    expect(canonicalLanguage("zh-hant-tw")).toBe("zh-Hant-TW");
    expect(canonicalLanguage("uk")).toBe("uk");
    for (const bad of ["", "en_US", "e", "english!", "en-", "12", "uk-UA-"]) expect(canonicalLanguage(bad), bad).toBeUndefined();
    expect(CreateStoryBody.parse({ title: "Т", language: " Uk-ua " }).language).toBe("uk-UA");
    expect(UpdateStoryBody.parse({ language: "AR" })).toEqual({ language: "ar" });
    const bad = UpdateStoryBody.safeParse({ language: "en_US" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ["language"], message: expect.stringMatching(/well-formed BCP 47 language tag/) });
    const snapshot = { id: "s", version: 1, title: "T", summary: "", status: "live", createdAt: "2026-05-24T01:00:00.000Z", updatedAt: "2026-05-24T01:00:00.000Z", entries: {} };
    expect(Snapshot.parse(snapshot).language).toBe("en"); // a story stored before stories had a language
    expect(Snapshot.safeParse({ ...snapshot, language: "pt-BR" }).success).toBe(true);
    expect(Snapshot.safeParse({ ...snapshot, language: "PT-br" }).success).toBe(false); // stored and served only canonical
  });

  it("writes Arabic, Hebrew, Persian, Urdu and other right-to-left scripts right to left, by script", () => {
    for (const tag of ["ar", "ar-EG", "he", "fa", "ur", "ps", "ckb", "dv", "yi", "az-Arab", "uz-Arab"]) expect(textDirection(tag), tag).toBe("rtl");
    for (const tag of ["en", "uk", "ru", "az", "az-Latn", "tr", "zh-Hant", "ja", "hi", "ar-Latn"]) expect(textDirection(tag), tag).toBe("ltr");
  });
});
