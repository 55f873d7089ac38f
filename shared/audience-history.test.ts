import { describe, expect, it } from "vitest";
import { AudienceHistory, peakIndex, sparklinePoints, sparklineText } from "./audience-history.js";

describe("AudienceHistory", () => {
  it("keeps a bounded ring per story, within the window", () => {
    const history = new AudienceHistory(3, 10);
    for (let minute = 0; minute < 5; minute++) history.record("war", minute * 10, minute * 60_000);
    expect(history.of("war", 4 * 60_000, 60 * 60_000).map((s) => s.readers)).toEqual([20, 30, 40]);
    expect(history.of("war", 6 * 60_000, 3 * 60_000).map((s) => s.readers)).toEqual([30, 40]);
    expect(history.of("nothing", 0, 60_000)).toEqual([]);
  });

  it("keeps at most so many stories, dropping the one sampled least recently", () => {
    const history = new AudienceHistory(5, 2);
    history.record("a", 1, 0);
    history.record("b", 1, 0);
    history.record("a", 2, 1);
    history.record("c", 1, 2);
    expect([...history.storyIds()].sort()).toEqual(["a", "c"]);
  });

  it("forgets a story nobody read in the window", () => {
    const history = new AudienceHistory(60, 10);
    history.record("war", 3, 0);
    history.record("war", 0, 60_000);
    history.prune(60_000, 3_600_000);
    expect([...history.storyIds()]).toEqual(["war"]); // still falls to zero on the line
    history.prune(3_600_001, 3_600_000);
    expect([...history.storyIds()]).toEqual([]);
  });
});

describe("the sparkline", () => {
  it("draws from zero to the peak across the box", () => {
    expect(sparklinePoints([0, 5, 10], 100, 20)).toBe("0,20 50,10 100,0");
    expect(sparklinePoints([0, 20, 40], 100, 20)).toBe("0,20 50,10 100,0");
    expect(sparklinePoints([0, 0], 10, 4)).toBe("0,4 10,4");
    // One reader coming and going is a ripple on the zero baseline, not a zigzag the full height.
    expect(sparklinePoints([1, 2, 1], 100, 20)).toBe("0,18 50,16 100,18");
    expect([peakIndex([1, 3, 2, 3, 0]), peakIndex([0])]).toEqual([3, 0]);
    expect(sparklinePoints([], 10, 4)).toBe("");
  });

  it("says in words what it shows", () => {
    expect(sparklineText([3, 12, 10], 60)).toBe("Readers over the last 60 minutes: between 3 and 12, now 10.");
    expect(sparklineText([4, 4], 60)).toBe("Readers over the last 60 minutes: steady at 4, now 4.");
    expect(sparklineText([4], 60)).toBe("No reader counts from the last hour yet.");
  });
});
