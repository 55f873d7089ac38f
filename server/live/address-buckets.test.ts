/** live/address-buckets.ts on a fake clock: one budget per address, and a map that stays bounded whatever the addresses. */
import { describe, expect, it } from "vitest";
import { AddressBuckets } from "./address-buckets.js";

describe("AddressBuckets", () => {
  it("gives each address its own burst and rate", () => {
    const buckets = new AddressBuckets(2, 60);
    expect([buckets.take("a", 0), buckets.take("a", 0), buckets.take("a", 0)]).toEqual([0, 0, 1000]);
    expect(buckets.take("b", 0, 2)).toBe(0);
    expect(buckets.take("a", 1000)).toBe(0);
  });

  it("forgets addresses whose bucket has refilled, so that passers-by cost nothing", () => {
    const buckets = new AddressBuckets(2, 60);
    for (let i = 0; i < 100; i++) buckets.take(`10.0.0.${i}`, i * 10_000);
    expect(buckets.size).toBeLessThan(5);
  });

  it("holds at most maxAddresses, dropping the least recently seen, however many addresses come at once", () => {
    const buckets = new AddressBuckets(2, 1, 1_000);
    buckets.take("kept", 0, 2);
    for (let i = 0; i < 5_000; i++) {
      buckets.take(`10.0.${i >> 8}.${i & 255}`, 0, 2);
      if (i % 100 === 0) buckets.take("kept", 0, 0); // seen again: stays
    }
    expect(buckets.size).toBe(1_000);
    expect(buckets.take("kept", 0)).toBeGreaterThan(0); // still remembered as spent
    expect(buckets.take("10.0.0.1", 0)).toBe(0); // forgotten: a full bucket again
  });
});
