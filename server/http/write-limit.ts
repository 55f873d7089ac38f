import type { RequestHandler } from "express";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { MakeLimiter } from "../rate-limiters.js";
import { principalOf, UNSAFE, type Principal } from "./auth.js";
import { rateLimited } from "../../shared/error-codes.js";

export interface WriteBudgets {
  /** WRITES_PER_MINUTE: an account's, whichever of its credentials writes. */
  writesPerMinute: number;
  /** ADMIN_TOKEN_WRITES_PER_MINUTE: the admin token's. */
  adminTokenWritesPerMinute: number;
}

/**
 * REST writes per minute, past which a write is 429 `rate_limited` with Retry-After; judged before
 * the body is read. An account's sessions and tokens share one budget, so that minting API tokens
 * buys no extra; a token an admin made with its own `writesPerMinute` (a wire feed's, an
 * importer's) has that budget to itself instead, and the admin token has its own. Anonymous
 * requests are not counted here: they can write nothing, and sign-ins have their own throttle.
 */
export function limitWrites(makeLimiter: MakeLimiter, budgets: WriteBudgets): RequestHandler {
  const accounts = makeLimiter("writes", { points: budgets.writesPerMinute, duration: 60 });
  const adminToken = makeLimiter("writes-admin-token", { points: budgets.adminTokenWritesPerMinute, duration: 60 });
  // One counter per budget in use: tokens are made by admins, so there are a handful at most.
  const tokenLimiters = new Map<number, RateLimiterAbstract>();
  const limiterOf = (principal: Principal): [RateLimiterAbstract, string] => {
    if (principal.via === "admin-token") return [adminToken, principal.id];
    const own = principal.writesPerMinute;
    if (own === undefined) return [accounts, principal.userId ?? principal.id];
    let limiter = tokenLimiters.get(own);
    if (!limiter) tokenLimiters.set(own, (limiter = makeLimiter(`writes-token-${own}`, { points: own, duration: 60 })));
    return [limiter, principal.id];
  };
  return async (req, res, next) => {
    const principal = principalOf(res);
    if (!principal || !UNSAFE.has(req.method)) return next();
    const [limiter, key] = limiterOf(principal);
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const whose = principal.via === "admin-token" || principal.writesPerMinute !== undefined ? "this token" : "this account";
      throw rateLimited(rejection.msBeforeNext, `Too many changes from ${whose}: at most ${limiter.points} a minute.`);
    }
    next();
  };
}
