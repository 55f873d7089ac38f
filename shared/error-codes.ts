/**
 * Every error code the server answers, over HTTP (`{error: {code, message, details?}}`) and in
 * socket acks and refusals: a closed list, so that a new code is a decision (DESIGN.md's error
 * table and docs/api.md say what each means) and a client's `code === "…"` is checked by the compiler.
 */
export const ERROR_CODES = [
  // The request itself
  "bad_request",
  "validation_failed",
  "invalid_json",
  "invalid_story_id",
  "invalid_entry_id",
  "invalid_version",
  "invalid_view",
  "invalid_filter",
  "invalid_page",
  "invalid_url",
  "payload_too_large",
  "unsupported_media_type",
  "format_not_implemented",
  "not_found",
  // Who asks
  "unauthorized",
  "invalid_credentials",
  "session_expired",
  "session_required",
  "reauthentication_required",
  "password_change_required",
  "forbidden",
  "insufficient_scope",
  "csrf_rejected",
  "origin_not_allowed",
  // How much and how often
  "rate_limited",
  "too_many_connections",
  "too_many_subscriptions",
  "server_busy",
  "storage_unavailable",
  "internal_error",
  "not_ready",
  // Writes
  "conflict",
  "precondition_failed",
  "idempotency_key_in_use",
  "idempotency_key_reused",
  "story_not_found",
  "story_exists",
  "too_many_stories",
  "version_not_found",
  "entry_not_found",
  "entry_exists",
  "too_many_entries",
  "fact_not_found",
  "too_many_facts",
  // Drafts and scheduled entries
  "draft_not_found",
  "draft_changed",
  "draft_discarded",
  "draft_published",
  "scheduled_not_found",
  "scheduled_published",
  "too_many_scheduled",
  // Media
  "unknown_media",
  "media_not_found",
  "media_removed",
  "media_quota_exceeded",
  "invalid_image",
  "image_too_large",
  "unsupported_image_type",
  "upload_too_large",
  "upload_quota_exceeded",
  "takedown_incomplete",
  // Accounts and tokens
  "user_exists",
  "user_not_found",
  "display_name_taken",
  "last_admin",
  "token_not_found",
  // Breaking-news alerts (Web Push)
  "push_endpoint_refused",
  "push_subscriptions_full",
  "push_unavailable",
  // Readers' questions
  "question_not_found",
  "question_answered",
  "questions_closed",
  "question_refused",
  "challenge_failed",
  "challenge_spent",
  // The live socket
  "protocol_unsupported",
  "cancelled",
  "not_following",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * A failure the code that found it can name (a photo too large, a draft changed meanwhile), without
 * knowing who asked: the HTTP layer answers it with its status (server/http/errors.ts), the socket
 * layer as an error ack. Only its code, message and details reach a client.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A `rate_limited` failure with the whole seconds to wait (at least 1): HTTP sends them as Retry-After. */
export function rateLimited(msBeforeNext: number, message: string): DomainError & { details: { retryAfter: number } } {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new DomainError("rate_limited", message, { retryAfter }) as DomainError & { details: { retryAfter: number } };
}
