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

  /** Takes a token and returns 0, or, when none is left, the milliseconds until one will be. */
  take(now: number): number {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.perMinute) / 60_000);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) * 60_000) / this.perMinute);
  }
}
