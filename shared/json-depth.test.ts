import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json-depth.js";

/** `depth` arrays or objects, each inside the last, built without recursion. */
function nested(depth: number, kind: "array" | "object"): unknown {
  let value: unknown = "leaf";
  for (let n = 0; n < depth; n++) value = kind === "array" ? [1, value] : { a: 1, b: value };
  return value;
}

describe("nestsDeeperThan", () => {
  it("counts arrays and objects alike, a flat object as 1, and scalars as 0", () => {
    for (const scalar of [null, 1, "x", true, undefined]) expect(nestsDeeperThan(scalar, 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({ body: "x", media: [{ type: "image" }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ body: "x", media: [{ type: "image", deep: [] }] }, 3)).toBe(true);
    for (const kind of ["array", "object"] as const) {
      expect(nestsDeeperThan(nested(MAX_JSON_DEPTH, kind))).toBe(false);
      expect(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1, kind))).toBe(true);
    }
  });

  it("judges a value a million levels deep without running out of stack", () => {
    expect(nestsDeeperThan(JSON.parse("[".repeat(1_000_000) + "]".repeat(1_000_000)))).toBe(true);
    expect(nestsDeeperThan(nested(1_000_000, "object"))).toBe(true);
  });
});
