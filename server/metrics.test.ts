import { describe, expect, it } from "vitest";
import { mostRead } from "./metrics.js";

describe("mostRead (the per-story gauges' bound)", () => {
  it("keeps the n stories with the most readers, leaves out those with none, and breaks ties by id", () => {
    const audiences: [string, number][] = [["quiet", 0], ["b", 5], ["a", 5], ["big", 900], ["small", 1]];
    expect(mostRead(audiences, 3)).toEqual([["big", 900], ["a", 5], ["b", 5]]);
    expect(mostRead(audiences, 10).map(([id]) => id)).toEqual(["big", "a", "b", "small"]);
    expect(mostRead([], 3)).toEqual([]);
  });
});
