import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Limits } from "../config.js";
import type { MakeLimiter } from "../rate-limiters.js";

type LoginLimits = Pick<Limits, "loginFailuresPerAccount" | "loginFailuresPerAccountTotal" | "loginFailuresPerAddress" | "loginLockoutSeconds">;

/**
 * Guessing defence, three counters over LOGIN_LOCKOUT_MINUTES (15):
 * - LOGIN_FAILURES_PER_ACCOUNT (5) per account name *and* client address: a stranger who guesses
 *   locks the name only for their own address, so the owner can still sign in from theirs;
 * - LOGIN_FAILURES_PER_IP (30) per client address, whatever the names;
 * - LOGIN_FAILURES_PER_ACCOUNT_TOTAL (50) per account name from all addresses together: the
 *   ceiling for guessing spread over many addresses (which does lock the name everywhere).
 * Counted in this process, or in Redis when the nodes share one (see rateLimiters). Unknown names
 * are counted like known ones, so the lockout reveals nothing about which names exist.
 *
 * An attempt takes its points *before* the password is checked and gives them back when it was
 * right: N guesses sent together can never have more checked than the limit allows.
 */
export class LoginThrottle {
  readonly #pair: RateLimiterAbstract;
  readonly #address: RateLimiterAbstract;
  readonly #account: RateLimiterAbstract;

  constructor(limits: LoginLimits, makeLimiter: MakeLimiter) {
    const window = (points: number) => ({ points, duration: limits.loginLockoutSeconds, blockDuration: limits.loginLockoutSeconds });
    this.#pair = makeLimiter("login-account-address", window(limits.loginFailuresPerAccount));
    this.#address = makeLimiter("login-address", window(limits.loginFailuresPerAddress));
    this.#account = makeLimiter("login-account", window(limits.loginFailuresPerAccountTotal));
  }

  /**
   * Takes one point of each counter for a password check about to happen. Answers 0 if it may go
   * ahead (a failure needs nothing more: it is counted), or the seconds to wait, having taken nothing.
   */
  async attempt(username: string, address: string): Promise<number> {
    const counters = this.#counters(username, address);
    const taken = await Promise.allSettled(counters.map(([limiter, key]) => limiter.consume(key)));
    const refused = taken.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []));
    if (refused.length === 0) return 0;
    // The check will not run, so the counters that did have room get their point back.
    await Promise.allSettled(counters.map(([limiter, key], i) => (taken[i]!.status === "fulfilled" ? limiter.reward(key) : undefined)));
    const waits = refused.map((reason) => {
      // Not a verdict but a failure of the counter's store (the insurance counter covers Redis outages).
      if (!(reason instanceof RateLimiterRes)) throw reason;
      return reason.msBeforeNext;
    });
    return Math.max(1, Math.ceil(Math.max(...waits) / 1000));
  }

  /** The password was right: its point comes back everywhere, and this address's failures for the name are forgotten. */
  async succeeded(username: string, address: string): Promise<void> {
    const [pair, byAddress, byAccount] = this.#counters(username, address);
    await Promise.allSettled([pair[0].delete(pair[1]), byAddress[0].reward(byAddress[1]), byAccount[0].reward(byAccount[1])]);
  }

  #counters(username: string, address: string) {
    return [
      [this.#pair, JSON.stringify([username, address])],
      [this.#address, address],
      [this.#account, username],
    ] as const;
  }
}
