import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import type { z } from "zod";
import { issuesOf, type ErrorBody } from "../../shared/api.js";
import { DomainError, type ErrorCode } from "../../shared/error-codes.js";
import { UserExists } from "../auth/accounts-service.js";
import { DisplayNameTaken } from "../store/accounts.js";
import { StorageUnavailable, TooManyStories, VersionConflict, type Store } from "../store/store.js";
import { ticketOf } from "./idempotency-ticket.js";

/** An error with its HTTP status and API code; the only kind of error a client ever sees. */
export class ApiError extends DomainError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    details?: unknown,
  ) {
    super(code, message, details);
  }

  get body(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) };
  }
}

/** The HTTP status of each code, for a DomainError thrown below the routes (media, live, pages). */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  invalid_story_id: 400,
  invalid_entry_id: 400,
  invalid_version: 400,
  invalid_view: 400,
  invalid_filter: 400,
  invalid_page: 400,
  invalid_url: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  format_not_implemented: 501,
  not_found: 404,
  unauthorized: 401,
  invalid_credentials: 401,
  session_expired: 401,
  session_required: 403,
  reauthentication_required: 403,
  password_change_required: 403,
  forbidden: 403,
  insufficient_scope: 403,
  csrf_rejected: 403,
  origin_not_allowed: 403,
  rate_limited: 429,
  push_endpoint_refused: 400,
  push_unavailable: 404,
  push_subscriptions_full: 503,
  too_many_connections: 429,
  too_many_subscriptions: 409,
  server_busy: 503,
  storage_unavailable: 503,
  internal_error: 500,
  not_ready: 503,
  conflict: 409,
  precondition_failed: 412,
  idempotency_key_in_use: 409,
  idempotency_key_reused: 422,
  story_not_found: 404,
  story_exists: 409,
  too_many_stories: 409,
  version_not_found: 404,
  entry_not_found: 404,
  entry_exists: 409,
  // A conflict with the story's current state: removing an entry makes room again.
  too_many_entries: 409,
  fact_not_found: 404,
  // At most FACT_LIMITS.perStory figures: removing one makes room again.
  too_many_facts: 409,
  draft_not_found: 404,
  draft_changed: 409,
  draft_discarded: 409,
  draft_published: 409,
  scheduled_not_found: 404,
  scheduled_published: 409,
  too_many_scheduled: 409,
  // As resolve-media.ts answers a photo that names no stored image.
  unknown_media: 400,
  media_not_found: 404,
  media_removed: 410,
  media_quota_exceeded: 413,
  invalid_image: 400,
  image_too_large: 413,
  unsupported_image_type: 415,
  upload_too_large: 413,
  upload_quota_exceeded: 429,
  takedown_incomplete: 409,
  user_exists: 409,
  user_not_found: 404,
  display_name_taken: 409,
  last_admin: 409,
  token_not_found: 404,
  question_not_found: 404,
  question_answered: 409,
  // A story whose desk paused questions: a state of the story, not of the request.
  questions_closed: 409,
  // A filled honeypot, or an address the desk marked as a spammer's.
  question_refused: 403,
  // Too many questions wait over all stories: come back later (Retry-After).
  challenge_failed: 400,
  // A proof of work already spent (a replay), on this node or another.
  challenge_spent: 409,
  protocol_unsupported: 400,
  cancelled: 409,
  not_following: 409,
};

/** Parses `value` or throws a 400 listing every problem, in a form a client can show next to a field. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError(400, "validation_failed", `Invalid ${what}.`, { issues: issuesOf(result.error) });
}

/** How long a client should wait before retrying a write the store could not take (Retry-After). */
export const STORAGE_RETRY_AFTER_SECONDS = 30;

/** Maps any thrown value to an ApiError; unknown errors become a 500 without internals. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  // Passes once an operator frees space or remounts: a 503 with Retry-After rather than a 500.
  if (error instanceof StorageUnavailable) {
    return new ApiError(503, "storage_unavailable", "The store cannot save anything right now (its disk is full or read-only); nothing was changed, try again later.");
  }
  // The reducer's, media's and live code's failures, and any other named below the routes.
  if (error instanceof DomainError) return new ApiError(HTTP_STATUS[error.code], error.code, error.message, error.details);
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
  setRetryAfter(res, error);
  res.status(error.status).json({ error: error.body });
}

/** A refusal that says when to come back (rate_limited, server_busy, upload_quota_exceeded, storage_unavailable) says it in the header too, whatever the body's format. */
export function setRetryAfter(res: Response, error: ApiError): void {
  const retryAfter = (error.details as { retryAfter?: unknown } | undefined)?.retryAfter;
  if (typeof retryAfter === "number") res.setHeader("Retry-After", String(retryAfter));
  if (error.code === "storage_unavailable") res.setHeader("Retry-After", String(STORAGE_RETRY_AFTER_SECONDS));
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new ApiError(404, "not_found", "No such resource."));
};

/**
 * The last middleware: every failure becomes the error format. A failed write frees its
 * Idempotency-Key first, since there is nothing to replay and a corrected retry may reuse it.
 * `answered` hears each error code sent (the metrics count them).
 */
export function errorHandler(store: Store, answered: (code: ErrorCode) => void = () => {}): ErrorRequestHandler {
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
