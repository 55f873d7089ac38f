import { RateLimiterMemory } from "rate-limiter-flexible";

/** Guessing defence: 5 failures lock an account for 15 minutes; 30 failures lock an address. */
const ACCOUNT = { points: 5, duration: 15 * 60, blockDuration: 15 * 60 };
const ADDRESS = { points: 30, duration: 15 * 60, blockDuration: 15 * 60 };

/**
 * Counts failed logins per account and per client address (rate-limiter-flexible, in memory:
 * one node; several nodes would share a Redis limiter). Unknown accounts are counted like known
 * ones, so the lockout reveals nothing about which names exist.
 */
export class LoginThrottle {
  readonly #account = new RateLimiterMemory(ACCOUNT);
  readonly #address = new RateLimiterMemory(ADDRESS);

  /** Seconds to wait before trying again, or 0 if a login may be attempted now. */
  async waitSeconds(username: string, address: string): Promise<number> {
    const [byAccount, byAddress] = await Promise.all([this.#account.get(username), this.#address.get(address)]);
    const blocked = [
      byAccount && byAccount.consumedPoints >= ACCOUNT.points ? byAccount.msBeforeNext : 0,
      byAddress && byAddress.consumedPoints >= ADDRESS.points ? byAddress.msBeforeNext : 0,
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
