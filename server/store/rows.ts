import { applyPatchesInPlace, type PatchOp } from "../../shared/patch.js";
import type { Author, Snapshot } from "../../shared/story.js";
import type { Role, TokenRecord, User, UserWithHash } from "./accounts.js";
import type { RemovedEntry } from "./store.js";

// Row shapes and conversions both SQL stores share; each store keeps only its own SQL.

export interface UserRow {
  id: string;
  username: string;
  role: Role;
  password_hash: string;
  /** SQLite has no boolean: 0/1 there, true/false in PostgreSQL. */
  must_change_password: boolean | number;
  created_at: string;
}

export interface TokenRow {
  id: string;
  name: string;
  owner_id: string;
  created_at: string;
  last_used_at: string | null;
}

export const toUser = (row: UserRow): UserWithHash => ({
  id: row.id,
  username: row.username,
  role: row.role,
  createdAt: row.created_at,
  mustChangePassword: Boolean(row.must_change_password),
  passwordHash: row.password_hash,
});

export const toToken = (row: TokenRow): TokenRecord => ({
  id: row.id,
  name: row.name,
  ownerId: row.owner_id,
  createdAt: row.created_at,
  ...(row.last_used_at ? { lastUsedAt: row.last_used_at } : {}),
});

/** What may leave the server about an account: everything but its password hash. */
export const publicUser = ({ passwordHash: _hash, ...user }: UserWithHash): User => user;

const ENTRY_PATH = /^\/entries\/([^/]+)$/;

/** The entries a version's patch removed (whole entries, not fields of one). */
function removedEntryIds(ops: readonly PatchOp[]): string[] {
  return ops.flatMap((op) => {
    const match = op.op === "remove" ? ENTRY_PATH.exec(op.path) : null;
    return match ? [match[1]!] : [];
  });
}

/** A removal as both stores keep it, one row per removed entry (the `removals` table). */
export interface RemovalRow {
  entry_id: string;
  version: number;
  at: string;
  author: string;
  published_at: string;
}

export const toRemovedEntry = (row: RemovalRow): RemovedEntry => ({
  entryId: row.entry_id,
  version: Number(row.version),
  at: row.at,
  author: JSON.parse(row.author) as Author,
  publishedAt: row.published_at,
});

/**
 * What a commit removed, recorded with it in the same transaction: the feeds then list removals
 * without rebuilding the versions before them. `previous` is the snapshot the ops apply to.
 */
export function removalsOf(previous: Snapshot | undefined, ops: readonly PatchOp[], version: number, at: string, author: Author): RemovedEntry[] {
  if (!previous) return [];
  return removedEntryIds(ops).flatMap((entryId) => {
    const entry = previous.entries[entryId];
    return entry ? [{ entryId, version, at, author, publishedAt: entry.createdAt }] : [];
  });
}

/**
 * Every removal in a story's log, oldest first, found by replaying it once from its first
 * checkpoint (`first`, which this mutates): how a database written before removals were recorded
 * is brought up to date. `rows` are the versions after `first`, in order.
 */
export function removalsInLog(first: Snapshot, rows: Iterable<{ version: number; at: string; author: string; ops: string }>): RemovedEntry[] {
  const removed: RemovedEntry[] = [];
  let snapshot = first;
  for (const row of rows) {
    const ops = JSON.parse(row.ops) as PatchOp[];
    removed.push(...removalsOf(snapshot, ops, Number(row.version), row.at, JSON.parse(row.author) as Author));
    snapshot = applyPatchesInPlace(snapshot, [ops]);
  }
  return removed;
}
