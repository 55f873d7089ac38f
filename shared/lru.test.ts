import { expect, it } from "vitest";
import { Lru } from "./lru.js";

it("keeps the most recently used values within its budget, by weight", () => {
  const cache = new Lru<string, string>(10, (value) => value.length);
  cache.set("a", "aaaa");
  cache.set("b", "bbbb");
  expect(cache.get("a")).toBe("aaaa"); // now b is the least recently used
  cache.set("c", "cccc");
  expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual(["aaaa", undefined, "cccc"]);
  cache.set("a", "a"); // replacing a value frees its old weight
  cache.set("d", "dddd");
  expect(cache.size).toBe(3);
  expect(cache.set("huge", "x".repeat(11))).toBe("x".repeat(11)); // heavier than the budget: not kept
  expect(cache.get("huge")).toBeUndefined();
  expect(cache.size).toBe(3);
});
