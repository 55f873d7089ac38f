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

it("takes a batch all or nothing, a batch over the burst as the whole burst, and knows when it is full again", () => {
  const bucket = new TokenBucket(5, 60, 0);
  expect(bucket.take(0, 3)).toBe(0);
  expect(bucket.take(0, 3)).toBe(1000); // 2 left: none taken, one more second needed
  expect(bucket.take(0, 2)).toBe(0);
  expect(bucket.full(4_000)).toBe(false);
  expect(bucket.full(5_000)).toBe(true);
  expect(bucket.take(5_000, 50)).toBe(0);
  expect(bucket.take(5_000, 50)).toBe(5_000);
});
