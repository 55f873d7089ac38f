import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { RedisClient } from "./live/cluster.js";

/** A fixed window: `points` per `duration` seconds; past them, blocked for `blockDuration` seconds if given. */
export interface WindowOptions {
  points: number;
  duration: number;
  blockDuration?: number;
}

/** Makes the named counter of a limit (rate-limiter-flexible). */
export type MakeLimiter = (name: string, options: WindowOptions) => RateLimiterAbstract;

/**
 * Counters in this process, or, on a node of several (REDIS_URL), in Redis under the
 * installation's REDIS_STREAM prefix, so that a limit holds whichever node a client reaches.
 * During a Redis outage each node counts on its own rather than refusing or stalling requests:
 * commands are not queued for a Redis that is not ready, the in-memory insurance counter answers.
 */
export function rateLimiters(shared?: { redis: RedisClient; prefix: string }): MakeLimiter {
  if (!shared) return (_name, options) => new RateLimiterMemory(options);
  return (name, options) =>
    new RateLimiterRedis({
      ...options,
      storeClient: shared.redis,
      useRedisPackage: true,
      keyPrefix: `${shared.prefix}:limit:${name}`,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
}
