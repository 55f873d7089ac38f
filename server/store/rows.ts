import type { PatchOp } from "../../shared/patch.js";
import type { Snapshot } from "../../shared/story.js";
import type { Role, TokenRecord, TokenScope, User, UserWithHash } from "./accounts.js";
import type { RemovedEntry } from "./store.js";

// Row shapes and conversions both SQL stores share; each store keeps only its own SQL.

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
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
  /** Space-separated TokenScope names. */
  scopes: string;
  created_at: string;
  last_used_at: string | null;
}

export const toUser = (row: UserRow): UserWithHash => ({
  id: row.id,
  username: row.username,
  displayName: row.display_name,
  role: row.role,
  createdAt: row.created_at,
  mustChangePassword: Boolean(row.must_change_password),
  passwordHash: row.password_hash,
});

export const toToken = (row: TokenRow): TokenRecord => ({
  id: row.id,
  name: row.name,
  ownerId: row.owner_id,
  scopes: row.scopes.split(" ") as TokenScope[],
  createdAt: row.created_at,
  ...(row.last_used_at ? { lastUsedAt: row.last_used_at } : {}),
});

/** How both stores keep a token's scopes: one text column, space-separated. */
export const scopesColumn = (scopes: readonly TokenScope[]) => scopes.join(" ");

/** What may leave the server about an account: everything but its password hash. */
export const publicUser = ({ passwordHash: _hash, ...user }: UserWithHash): User => user;

const ENTRY_PATH = /^\/entries\/([^/]+)$/;

/** The entries a version's patch removed (whole entries, not fields of one). */
function removedEntryIds(ops: PatchOp[]): string[] {
  return ops.flatMap((op) => {
    const match = op.op === "remove" ? ENTRY_PATH.exec(op.path) : null;
    return match ? [match[1]!] : [];
  });
}

/**
 * Removed entries, newest first, from the log records whose patches may remove some (`rows`,
 * newest first), each with its last content, read from the version before its removal.
 */
export async function removedEntriesIn(
  rows: { version: number; at: string; author: string; ops: string }[],
  snapshotAt: (version: number) => Promise<Snapshot | undefined>,
): Promise<RemovedEntry[]> {
  const removed: RemovedEntry[] = [];
  for (const row of rows) {
    const entryIds = removedEntryIds(JSON.parse(row.ops) as PatchOp[]);
    if (entryIds.length === 0) continue;
    const before = await snapshotAt(row.version - 1);
    for (const entryId of entryIds) {
      const entry = before?.entries[entryId];
      if (entry) removed.push({ entryId, version: row.version, at: row.at, author: JSON.parse(row.author) as { name: string }, entry });
    }
  }
  return removed;
}
