import { createHash } from "node:crypto";
import { Router, type RequestHandler, type Response } from "express";
import type { Store, StoredResponse } from "../store/store.js";
import { principalOf, type Principal } from "./auth.js";
import { ApiError } from "./errors.js";
import type { IdempotencyTicket } from "./idempotency-ticket.js";

/** How long a claim stays "in flight" before a retry may take it over (the first request died). */
const LEASE_MS = 30_000;
const KEY_PATTERN = /^[\x20-\x7E]{1,255}$/;

/**
 * The IETF httpapi Idempotency-Key: a retry with the same key and request gets the first answer;
 * the same key with another request is 422; a retry while the first is running is 409.
 */
export function idempotency(store: Store): RequestHandler {
  return async (req, res, next) => {
    const key = req.get("idempotency-key");
    if (key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      throw new ApiError(400, "bad_request", "Idempotency-Key must be 1 to 255 printable ASCII characters.");
    }
    const principal = res.locals.principal as Principal;
    const fingerprint = fingerprintOf(req.method, req.originalUrl.split("?")[0]!, req.body);
    const outcome = await store.claimIdempotencyKey({ scope: principal.id, key, fingerprint }, LEASE_MS);
    switch (outcome.kind) {
      case "mismatch":
        throw new ApiError(422, "idempotency_key_reused", "This Idempotency-Key was used for a different request.");
      case "in_flight":
        throw new ApiError(409, "idempotency_key_in_use", "A request with this Idempotency-Key is still being processed; retry shortly.");
      case "replay":
        res.setHeader("Idempotent-Replayed", "true");
        return void sendStored(res, outcome.response);
      case "claimed":
        res.locals.idempotency = { scope: principal.id, key } satisfies IdempotencyTicket;
        return next();
    }
  };
}

/**
 * GET /idempotency/:key: what became of a write whose answer was lost (a timeout, a dropped
 * connection), so a client can tell "it went out" from "it never arrived" without sending it
 * again. Keys are scoped to their principal, so another account's key is simply unknown (404):
 * nobody learns whether someone else used a key.
 */
export function idempotencyRoutes(store: Store): Router {
  const router = Router();
  router.get("/idempotency/:key", async (req, res) => {
    const principal = principalOf(res);
    if (!principal) throw new ApiError(401, "unauthorized", "Sign in or send Authorization: Bearer <token>.");
    const key = req.params.key;
    if (!KEY_PATTERN.test(key)) throw new ApiError(400, "bad_request", "Idempotency-Key must be 1 to 255 printable ASCII characters.");
    const outcome = await store.idempotencyOutcome(principal.id, key);
    if (!outcome) throw new ApiError(404, "not_found", "No write with this Idempotency-Key is known: it did not arrive, or it failed and changed nothing.");
    res.setHeader("Cache-Control", "no-store");
    res.json(
      outcome.state === "completed"
        ? { state: "completed", status: outcome.response.status, body: outcome.response.body, completedAt: new Date(outcome.completedAt).toISOString() }
        : { state: "in_flight" },
    );
  });
  return router;
}

/**
 * What makes two requests "the same request" for an Idempotency-Key: method, path and body, with
 * object keys sorted so that a client re-serialising its body on retry is still recognised. The
 * recursion is safe because jsonRequest has already refused bodies past MAX_JSON_DEPTH.
 */
export function fingerprintOf(method: string, path: string, body: unknown): string {
  return createHash("sha256").update(canonicalJson([method, path, body ?? null])).digest("base64url");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function sendStored(res: Response, response: StoredResponse): void {
  const version = (response.body as { version?: unknown }).version;
  if (typeof version === "number") res.setHeader("ETag", `"${version}"`);
  if (response.location) res.setHeader("Location", response.location);
  res.status(response.status).json(response.body);
}
