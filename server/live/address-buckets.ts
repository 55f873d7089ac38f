import { TokenBucket } from "../../shared/token-bucket.js";

/**
 * Addresses remembered at most, per kind of budget. An entry is a few dozen bytes, so this bounds
 * the map to a few MB however many addresses an attacker comes from; past it the address least
 * recently seen is forgotten (it comes back with a full bucket, which only ever favours a reader).
 */
export const MAX_ADDRESSES = 50_000;

/**
 * One token bucket per client address (what an address may do at once, then per minute), in a
 * bounded map: an address whose bucket has refilled is worth nothing and is dropped as it is
 * met, and past `maxAddresses` the least recently seen goes. Pure: the clock is passed in.
 */
export class AddressBuckets {
  /** In order of last use, oldest first. */
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly burst: number,
    private readonly perMinute: number,
    private readonly maxAddresses = MAX_ADDRESSES,
  ) {}

  /** Takes `count` tokens of `address`'s bucket (all or nothing): 0, or the milliseconds to wait. */
  take(address: string, now: number, count = 1): number {
    let bucket = this.#buckets.get(address);
    if (bucket) this.#buckets.delete(address);
    else bucket = new TokenBucket(this.burst, this.perMinute, now);
    const waitMs = bucket.take(now, count);
    this.#buckets.set(address, bucket);
    this.#trim(now);
    return waitMs;
  }

  /** Addresses remembered now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Drops the oldest entries: any that are full again (a few per call, so a take stays O(1)), then past the cap. */
  #trim(now: number): void {
    let looked = 0;
    for (const [address, bucket] of this.#buckets) {
      if (this.#buckets.size > this.maxAddresses || (looked++ < 2 && bucket.full(now))) this.#buckets.delete(address);
      else break;
    }
  }
}
