import { describe, expect, it } from "vitest";
import { AskQuestionBody, questionFold, textRefusal } from "./questions.js";

const proof = {
  challenge: { parameters: { algorithm: "SHA-256", nonce: "ab", salt: "cd", cost: 1, keyLength: 32, keyPrefix: "00" }, signature: "ef" },
  solution: { counter: 1, derivedKey: "00" },
};

describe("readers' questions", () => {
  it("takes plain text in any script, emoji sequences and Persian joiners included", () => {
    for (const text of ["Is the metro running?", "Чи працює метро?", "آیا مترو کار می‌کند؟", "Any news from 👨‍👩‍👧 shelters?", "Is it < 5 km away?"]) {
      expect(textRefusal(text), text).toBeUndefined();
    }
  });

  it("refuses markup, direction controls, invisible and control characters", () => {
    for (const text of ["<img src=x>", "a</b>", "<!-- x -->", "&#x202E;", "&amp;", "[x](javascript:1)", "![x](y)", "a\u202Eb", "a\u2067b", "a\u200Fb", "a\u200Bb", "a\u0000b", "a\u0085b", "a\uE000b"]) {
      expect(textRefusal(text), JSON.stringify(text)).toBeDefined();
    }
  });

  it("trims, bounds the question and the name, and folds duplicates", () => {
    expect(AskQuestionBody.parse({ text: "  Is the metro running?  ", proof }).text).toBe("Is the metro running?");
    expect(AskQuestionBody.safeParse({ text: "x".repeat(501), proof }).success).toBe(false);
    expect(AskQuestionBody.safeParse({ text: "Is it over?", name: "Editor", proof }).success).toBe(false);
    expect(questionFold("Is the METRO running??")).toBe(questionFold("is the metro running"));
    expect(questionFold("Is the metro running?")).not.toBe(questionFold("Is the tram running?"));
  });
});
