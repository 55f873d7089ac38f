import type { Question } from "../../shared/questions.js";

/** Question tables and query text that read the same in SQLite and PostgreSQL; times are ms since the epoch. */
export const QUESTION_TABLES = (serial: { bigint: string }) => `
CREATE TABLE IF NOT EXISTS question_secret (
  id integer PRIMARY KEY CHECK (id = 1),
  secret text NOT NULL
);
CREATE TABLE IF NOT EXISTS questions (
  id text PRIMARY KEY,
  story_id text NOT NULL,
  text text NOT NULL,
  name text,
  fold text NOT NULL,
  address_key text NOT NULL,
  asked_at ${serial.bigint} NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'answered', 'dismissed', 'spam')),
  asks integer NOT NULL DEFAULT 1,
  entry_id text,
  UNIQUE (story_id, fold)
);
CREATE INDEX IF NOT EXISTS questions_story ON questions (story_id, asked_at);
CREATE INDEX IF NOT EXISTS questions_asked ON questions (asked_at);
CREATE INDEX IF NOT EXISTS questions_pending ON questions (story_id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS question_nonces (
  nonce text PRIMARY KEY,
  expires_at ${serial.bigint} NOT NULL
);
CREATE INDEX IF NOT EXISTS question_nonces_expiry ON question_nonces (expires_at);
CREATE TABLE IF NOT EXISTS question_spammers (
  address_key text PRIMARY KEY,
  until ${serial.bigint} NOT NULL
);
CREATE TABLE IF NOT EXISTS question_closed (
  story_id text PRIMARY KEY
);
`;

/** The columns a Question is read from. */
export const QUESTION_COLUMNS = `id, text, name, asked_at AS "askedAt", status, asks, entry_id AS "entryId", address_key AS "addressKey"`;

/** A row as the drivers return it (PostgreSQL's bigint comes back as a string). */
export function toQuestion(row: Record<string, unknown>): Question & { addressKey: string } {
  return {
    id: String(row.id),
    text: String(row.text),
    ...(row.name ? { name: String(row.name) } : {}),
    at: new Date(Number(row.askedAt)).toISOString(),
    status: row.status as Question["status"],
    asks: Number(row.asks),
    ...(row.entryId ? { entryId: String(row.entryId) } : {}),
    addressKey: String(row.addressKey),
  };
}

/** A question as the desk is sent it: without the asker's address key. */
export const forDesk = ({ addressKey: _key, ...question }: Question & { addressKey: string }): Question => question;
