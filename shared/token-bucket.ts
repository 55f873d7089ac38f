/**
 * A token bucket: up to `burst` actions at once, refilled at `perMinute` a minute. Pure: the clock
 * (milliseconds) is passed in, so it is tested without waiting.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    private readonly burst: number,
    private readonly perMinute: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#at = now;
  }

  /**
   * Takes `count` tokens and returns 0, or, when fewer are left, takes none and returns the
   * milliseconds until there will be enough (all or nothing, so that a batch is never half done).
   * A count over the burst takes the whole burst, once it is full: it could never be had otherwise.
   */
  take(now: number, count = 1): number {
    const needed = Math.min(count, this.burst);
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.perMinute) / 60_000);
    this.#at = now;
    if (this.#tokens >= needed) {
      this.#tokens -= needed;
      return 0;
    }
    return Math.ceil(((needed - this.#tokens) * 60_000) / this.perMinute);
  }

  /** Whether the bucket is full at `now`: one that is holds nothing worth keeping. */
  full(now: number): boolean {
    return this.#tokens + ((now - this.#at) * this.perMinute) / 60_000 >= this.burst;
  }
}
