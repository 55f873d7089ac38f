import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import type { z } from "zod";
import { issuesOf, type ErrorBody } from "../../shared/api.js";
import { ReducerError } from "../../shared/reducer.js";
import { UserExists } from "../auth/accounts-service.js";
import { DisplayNameTaken } from "../store/accounts.js";
import { StorageUnavailable, TooManyStories, VersionConflict, type Store } from "../store/store.js";
import { ticketOf } from "./idempotency-ticket.js";

/** An error with its HTTP status and API code; the only kind of error a client ever sees. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  get body(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) };
  }
}

/** A 429 `rate_limited` whose Retry-After (whole seconds, at least 1) is set on `res` as it is made. */
export function rateLimited(res: Response, msBeforeNext: number, message: string): ApiError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  res.setHeader("Retry-After", String(retryAfter));
  return new ApiError(429, "rate_limited", message, { retryAfter });
}

/** Parses `value` or throws a 400 listing every problem, in a form a client can show next to a field. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError(400, "validation_failed", `Invalid ${what}.`, { issues: issuesOf(result.error) });
}

const REDUCER_STATUS: Record<ReducerError["code"], number> = {
  story_not_found: 404,
  entry_not_found: 404,
  story_exists: 409,
  entry_exists: 409,
  // A conflict with the story's current state: removing an entry makes room again.
  too_many_entries: 409,
  fact_not_found: 404,
  // At most FACT_LIMITS.perStory figures: removing one makes room again.
  too_many_facts: 409,
  // As resolve-media.ts answers a photo that names no stored image.
  unknown_media: 400,
};

/** How long a client should wait before retrying a write the store could not take (Retry-After). */
export const STORAGE_RETRY_AFTER_SECONDS = 30;

/** Maps any thrown value to an ApiError; unknown errors become a 500 without internals. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  // Passes once an operator frees space or remounts: a 503 with Retry-After rather than a 500.
  if (error instanceof StorageUnavailable) {
    return new ApiError(503, "storage_unavailable", "The store cannot save anything right now (its disk is full or read-only); nothing was changed, try again later.");
  }
  if (error instanceof ReducerError) return new ApiError(REDUCER_STATUS[error.code], error.code, error.message);
  if (error instanceof TooManyStories) return new ApiError(409, "too_many_stories", error.message);
  if (error instanceof UserExists) return new ApiError(409, "user_exists", error.message);
  if (error instanceof DisplayNameTaken) return new ApiError(409, "display_name_taken", error.message, { field: "displayName" });
  if (error instanceof VersionConflict) {
    return new ApiError(412, "precondition_failed", `The story has changed: it is now at version ${error.currentVersion}.`, {
      currentVersion: error.currentVersion,
    });
  }
  // Anything may be thrown, null and undefined included: read it as a possible body-parser error.
  const bodyParserError = (error ?? {}) as { type?: string; status?: number };
  switch (bodyParserError.type) {
    case "entity.too.large":
      return new ApiError(413, "payload_too_large", "The request body is too large.");
    case "entity.parse.failed":
      return new ApiError(400, "invalid_json", "The request body is not valid JSON.");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new ApiError(415, "unsupported_media_type", "Send the body as UTF-8 JSON.");
  }
  if (typeof bodyParserError.status === "number" && bodyParserError.status >= 400 && bodyParserError.status < 500) {
    return new ApiError(bodyParserError.status, "bad_request", "The request could not be read.");
  }
  return new ApiError(500, "internal_error", "Something went wrong on our side; the error has been logged.");
}

export function sendError(res: Response, error: ApiError): void {
  if (error.status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="live-ticker"');
  if (error.code === "storage_unavailable") res.setHeader("Retry-After", String(STORAGE_RETRY_AFTER_SECONDS));
  res.status(error.status).json({ error: error.body });
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new ApiError(404, "not_found", "No such resource."));
};

/**
 * The last middleware: every failure becomes the error format. A failed write frees its
 * Idempotency-Key first, since there is nothing to replay and a corrected retry may reuse it.
 * `answered` hears each error code sent (the metrics count them).
 */
export function errorHandler(store: Store, answered: (code: string) => void = () => {}): ErrorRequestHandler {
  return async (error, req, res, _next) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) req.log.error({ err: error }, "request failed");
    const ticket = ticketOf(res);
    if (ticket) await store.releaseIdempotencyKey(ticket.scope, ticket.key).catch(() => {});
    if (res.headersSent) return void res.end();
    answered(apiError.code);
    sendError(res, apiError);
  };
}
