import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import type { z } from "zod";
import { issuesOf, type ErrorBody } from "../../shared/api.js";
import { ReducerError } from "../../shared/reducer.js";
import { DraftGone, VersionConflict, type Store } from "../store/store.js";
import { ticketOf } from "./idempotency.js";

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
};

/** Maps any thrown value to an ApiError; unknown errors become a 500 without internals. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ReducerError) return new ApiError(REDUCER_STATUS[error.code], error.code, error.message);
  if (error instanceof DraftGone) return new ApiError(404, "draft_not_found", error.message);
  if (error instanceof VersionConflict) {
    return new ApiError(412, "precondition_failed", `The story has changed: it is now at version ${error.currentVersion}.`, {
      currentVersion: error.currentVersion,
    });
  }
  const bodyParserError = error as { type?: string; status?: number };
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
