import { hash, verify, type Algorithm } from "@node-rs/argon2";
import { randomBytes } from "node:crypto";

/** OWASP's argon2id baseline: 19 MiB, two passes, one lane. */
// Algorithm is a const enum, which this project's isolated modules cannot read: 2 is Argon2id.
const ARGON2ID = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };


export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

// Verified against when the account does not exist, so unknown users take as long as known ones.
const decoy = hashPassword(randomBytes(16).toString("hex"));

/** Constant-work check: an unknown account (no hash) costs one argon2 verification too. */
export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  const ok = await verify(passwordHash ?? (await decoy), password).catch(() => false);
  return ok && passwordHash !== undefined;
}

/** A one-time password people can type: five groups of five, from an alphabet without look-alikes. */
export function generatePassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(25);
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]);
  return [0, 5, 10, 15, 20].map((i) => chars.slice(i, i + 5).join("")).join("-");
}
