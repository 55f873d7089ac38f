import { describe, expect, it } from "vitest";
import { NodeReports } from "./node-reports.js";

describe("NodeReports", () => {
  it("keeps each node's newest report, ignores older ones and forgets a silent node after the TTL", () => {
    const reports = new NodeReports<string>(1_000);
    expect(reports.accept({ node: "a", seq: 2, state: "a2" }, 0)).toBe(true);
    expect(reports.accept({ node: "a", seq: 1, state: "a1" }, 10)).toBe(false); // late, overtaken
    expect(reports.accept({ node: "b", seq: 1, state: "b1" }, 500)).toBe(true);
    expect([...reports.states()]).toEqual(["a2", "b1"]);
    expect(reports.expire(1_000)).toBe(false);
    expect(reports.expire(1_001)).toBe(true); // a, last heard at 0
    expect([...reports.states()]).toEqual(["b1"]);
    expect(reports.accept({ node: "b", seq: 2, state: "b2" }, 1_400)).toBe(true);
    expect(reports.expire(2_000)).toBe(false); // heard again: its clock restarted
    expect([...reports.states()]).toEqual(["b2"]);
  });
});
