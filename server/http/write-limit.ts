import type { RequestHandler } from "express";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { principalOf, UNSAFE } from "./auth.js";
import { rateLimited } from "./errors.js";

/**
 * WRITES_PER_MINUTE: REST writes per account (the admin token counts as one), past which a write is
 * 429 `rate_limited` with Retry-After. Counted per account rather than per credential, so that
 * minting API tokens buys no extra budget; judged before the body is read. Anonymous requests
 * are not counted here: they can write nothing, and sign-ins have their own throttle.
 */
export function limitWrites(limiter: RateLimiterAbstract): RequestHandler {
  return async (req, res, next) => {
    const principal = principalOf(res);
    if (!principal || !UNSAFE.has(req.method)) return next();
    try {
      await limiter.consume(principal.userId ?? principal.id);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw rateLimited(res, rejection.msBeforeNext, `Too many changes from this account: at most ${limiter.points} a minute.`);
    }
    next();
  };
}
