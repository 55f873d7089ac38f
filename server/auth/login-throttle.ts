import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { Limits } from "../config.js";
import type { MakeLimiter } from "../rate-limiters.js";

type LoginLimits = Pick<Limits, "loginFailuresPerAccount" | "loginFailuresPerAddress" | "loginLockoutSeconds">;

/**
 * Guessing defence: LOGIN_FAILURES_PER_ACCOUNT failures (5) lock an account name and
 * LOGIN_FAILURES_PER_IP (30) lock a client address, for LOGIN_LOCKOUT_MINUTES (15). Counted in
 * this process, or in Redis when the nodes share one (see rateLimiters). Unknown accounts are
 * counted like known ones, so the lockout reveals nothing about which names exist.
 */
export class LoginThrottle {
  readonly #account: RateLimiterAbstract;
  readonly #address: RateLimiterAbstract;

  constructor(limits: LoginLimits, makeLimiter: MakeLimiter) {
    const window = (points: number) => ({ points, duration: limits.loginLockoutSeconds, blockDuration: limits.loginLockoutSeconds });
    this.#account = makeLimiter("login-account", window(limits.loginFailuresPerAccount));
    this.#address = makeLimiter("login-address", window(limits.loginFailuresPerAddress));
  }

  /** Seconds to wait before trying again, or 0 if a login may be attempted now. */
  async waitSeconds(username: string, address: string): Promise<number> {
    const [byAccount, byAddress] = await Promise.all([this.#account.get(username), this.#address.get(address)]);
    const blocked = [
      byAccount && byAccount.consumedPoints >= this.#account.points ? byAccount.msBeforeNext : 0,
      byAddress && byAddress.consumedPoints >= this.#address.points ? byAddress.msBeforeNext : 0,
    ];
    return Math.ceil(Math.max(...blocked) / 1000);
  }

  async failed(username: string, address: string): Promise<void> {
    // consume() rejects once the limit is passed; the block it sets is what waitSeconds reads.
    await Promise.allSettled([this.#account.consume(username), this.#address.consume(address)]);
  }

  async succeeded(username: string): Promise<void> {
    await this.#account.delete(username);
  }
}
