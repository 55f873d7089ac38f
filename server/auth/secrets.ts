import { createHash, randomBytes } from "node:crypto";

/** A random secret for cookies and API tokens: 256 bits, URL-safe. */
export const newSecret = (prefix = "") => prefix + randomBytes(32).toString("base64url");

/**
 * Session ids and API token secrets are stored as SHA-256: they are random and long, so a fast
 * hash suffices (argon2 is for guessable passwords), and a leaked database yields no credential.
 */
export const secretHash = (secret: string) => createHash("sha256").update(secret).digest("base64url");

export const newId = (prefix: string) => `${prefix}${randomBytes(9).toString("base64url")}`;
