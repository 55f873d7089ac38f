import type { Response } from "express";

/**
 * A request claimed under an Idempotency-Key, completed by the store in the write's own transaction
 * (server/store/commit-rules.ts, schedule-rules.ts) or released on failure.
 * Its own module because both the idempotency middleware (which claims) and the error handler
 * (which releases) need it, and the middleware itself answers with errors.
 */
export interface IdempotencyTicket {
  scope: string;
  key: string;
}

export function ticketOf(res: Response): IdempotencyTicket | undefined {
  return res.locals.idempotency as IdempotencyTicket | undefined;
}
