import { describe, expect, it } from "vitest";
import { mergeText } from "./three-way-merge.js";

describe("mergeText", () => {
  const base = "At least 11 people were hurt.\n\nPolice closed the bridge.";

  it("keeps a colleague's added sentence and my changed number", () => {
    const theirs = "At least 11 people were hurt. Two are in hospital.\n\nPolice closed the bridge.";
    const mine = "At least 15 people were hurt.\n\nPolice closed the bridge.";
    expect(mergeText(base, mine, theirs)).toBe("At least 15 people were hurt. Two are in hospital.\n\nPolice closed the bridge.");
    expect(mergeText(base, theirs, mine)).toBe("At least 15 people were hurt. Two are in hospital.\n\nPolice closed the bridge.");
  });

  it("keeps edits in different paragraphs", () => {
    const mine = "At least 11 people were **hurt**.\n\nPolice closed the bridge.";
    const theirs = "At least 11 people were hurt.\n\nPolice closed the bridge and the tunnel.";
    expect(mergeText(base, mine, theirs)).toBe("At least 11 people were **hurt**.\n\nPolice closed the bridge and the tunnel.");
  });

  it("refuses when both change the same words", () => {
    expect(mergeText(base, base.replace("11", "15"), base.replace("11", "12"))).toBeUndefined();
  });

  it("refuses when both insert at the same place", () => {
    expect(mergeText("A. B.", "A. X. B.", "A. Y. B.")).toBeUndefined();
  });

  it("takes the one edit when the other changed nothing, and agrees with itself", () => {
    expect(mergeText(base, base, "new")).toBe("new");
    expect(mergeText(base, "new", base)).toBe("new");
    expect(mergeText(base, "same", "same")).toBe("same");
  });

  it("merges a deletion with an edit elsewhere", () => {
    expect(mergeText("one two three four", "one three four", "one two three FOUR")).toBe("one three FOUR");
  });
});
