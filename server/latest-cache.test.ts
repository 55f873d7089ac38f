import { expect, it } from "vitest";
import { LatestCache } from "./latest-cache.js";

it("keeps only the newest version per slot, within one budget in bytes for all slots", () => {
  const cache = new LatestCache<string>(10, (value) => value.length);
  cache.set("live:a", 1, "aaa");
  cache.set("live:a", 2, "AAAA");
  // The version before is gone with its bytes: a slot never holds more than one.
  expect([cache.get("live:a", 1), cache.get("live:a", 2), cache.bytes]).toEqual([undefined, "AAAA", 4]);
  // A late render of an older version is served to its caller but does not replace the newer one.
  expect(cache.set("live:a", 1, "aaa")).toBe("aaa");
  expect([cache.get("live:a", 2), cache.bytes]).toEqual(["AAAA", 4]);

  cache.set("live:b", 7, "bbbb");
  expect(cache.get("live:a", 2)).toBe("AAAA"); // b is now the least recently read
  cache.set("live:c", 3, "cccc"); // 12 bytes would pass the budget: b goes
  expect([cache.get("live:b", 7), cache.get("live:c", 3), cache.bytes]).toEqual([undefined, "cccc", 8]);
  for (let version = 4; version < 1_000; version++) cache.set("live:c", version, "cccc");
  expect(cache.bytes).toBe(8);
});
