import { expect, it } from "vitest";
import { TokenBucket } from "./token-bucket.js";

it("lets a burst through, then one action per refill, and says how long to wait", () => {
  const bucket = new TokenBucket(3, 60, 0); // one token a second
  expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
  expect(bucket.take(0)).toBe(1000);
  expect(bucket.take(400)).toBe(600);
  expect(bucket.take(1000)).toBe(0);
  expect(bucket.take(1000)).toBe(1000);
  // A long pause refills up to the burst, never beyond it.
  expect(Array.from({ length: 4 }, () => bucket.take(60_000))).toEqual([0, 0, 0, 1000]);
});
