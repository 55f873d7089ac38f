import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { ApiError } from "./errors.js";

/** Who is writing: `id` scopes idempotency keys, `name` is the author readers see. */
export interface Principal {
  id: string;
  name: string;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Bearer-token authentication for writes. Comparing SHA-256 digests keeps the comparison constant
 * time whatever the length of the presented token.
 */
export function requireEditor(adminToken: string | undefined): RequestHandler {
  const expected = adminToken ? digest(adminToken) : undefined;
  return (req, res, next) => {
    const header = req.get("authorization");
    if (!header) throw new ApiError(401, "unauthorized", "Sign in or send Authorization: Bearer <token>.");
    const match = /^Bearer ([\x21-\x7E]+)$/i.exec(header);
    if (!match || !expected || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new ApiError(401, "unauthorized", "The credentials are not valid.");
    }
    res.locals.principal = { id: "admin-token", name: "Newsroom" } satisfies Principal;
    next();
  };
}
