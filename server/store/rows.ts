import type { HistoryItem } from "../../shared/api.js";
import { historyChanges } from "../../shared/history-changes.js";
import type { StampedOperation } from "../../shared/operations.js";
import { applyPatchesInPlace, type PatchOp } from "../../shared/patch.js";
import type { Author, Snapshot } from "../../shared/story.js";
import type { DeskLanguage } from "../../shared/accounts.js";
import type { ClosedDraft, Draft, Role, TokenRecord, TokenScope, User, UserWithHash } from "./accounts.js";
import type { ImageVariant, MediaRecord } from "./media-store.js";
import type { KeyOutcome, RemovedEntry, StoredResponse, VersionOps } from "./store.js";

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
  desk_language: DeskLanguage;
}

export interface TokenRow {
  id: string;
  name: string;
  owner_id: string;
  /** Space-separated TokenScope names. */
  scopes: string;
  writes_per_minute: number | null;
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
  deskLanguage: row.desk_language,
});

export const toToken = (row: TokenRow): TokenRecord => ({
  id: row.id,
  name: row.name,
  ownerId: row.owner_id,
  scopes: row.scopes.split(" ") as TokenScope[],
  ...(row.writes_per_minute === null ? {} : { writesPerMinute: row.writes_per_minute }),
  createdAt: row.created_at,
  ...(row.last_used_at ? { lastUsedAt: row.last_used_at } : {}),
});

/** How both stores keep a token's scopes: one text column, space-separated. */
export const scopesColumn = (scopes: readonly TokenScope[]) => scopes.join(" ");
/** A draft's text is kept as JSON; its revision is a column of its own, so a write can compare it. */
export interface DraftRow {
  draft: string;
  revision: number;
}

export const toDraft = (row: DraftRow): Draft => ({ ...(JSON.parse(row.draft) as Draft), revision: row.revision });

/** The JSON kept for a draft: everything but the revision (its column is the one truth). */
export const draftJson = ({ revision: _revision, ...draft }: Draft): string => JSON.stringify(draft);

export interface ClosedDraftRow {
  story_id: string;
  id: string;
  author_id: string;
  outcome: ClosedDraft["outcome"];
  by_name: string;
  at: string;
  entry_id: string | null;
}

export const CLOSED_DRAFT_COLUMNS = "story_id, id, author_id, outcome, by_name, at, entry_id";

export const toClosedDraft = (row: ClosedDraftRow): ClosedDraft => ({
  id: row.id,
  storyId: row.story_id,
  authorId: row.author_id,
  outcome: row.outcome,
  by: { name: row.by_name },
  at: row.at,
  ...(row.entry_id ? { entryId: row.entry_id } : {}),
});

/** The values of CLOSED_DRAFT_COLUMNS, in order. */
export const closedDraftValues = (c: ClosedDraft): unknown[] => [c.storyId, c.id, c.authorId, c.outcome, c.by.name, c.at, c.entryId ?? null];

/** The record of `draft` having been published by `operation` (the entry it added, by its author). */
export const publishedDraft = (draft: Draft, operation: StampedOperation): ClosedDraft => ({
  id: draft.id,
  storyId: draft.storyId,
  authorId: draft.authorId,
  outcome: "published",
  by: { name: operation.author.name },
  at: operation.at,
  ...(operation.type === "add_entry" ? { entryId: operation.entryId } : {}),
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

/** A `versions` row as both stores read it for the history: its `changes` derived from its patch (shared/history-changes.ts). */
export function toHistoryItem(row: { version: number | string; at: string; author: string; summary: string; ops: string }): HistoryItem {
  return {
    version: Number(row.version),
    at: row.at,
    author: JSON.parse(row.author) as Author,
    summary: row.summary,
    changes: historyChanges(JSON.parse(row.ops) as PatchOp[], row.summary),
  };
}

/** A `versions` row as both stores read it for figure timelines (Store.factVersions). */
export function toVersionOps(row: { version: number | string; at: string; author: string; ops: string }): VersionOps {
  return { version: Number(row.version), at: row.at, author: JSON.parse(row.author) as Author, ops: JSON.parse(row.ops) as PatchOp[] };
}

/** The columns of a media record, in both stores. */
export const MEDIA_COLUMNS = "id, width, height, placeholder, created_at, uploader, bytes, removed_at";

export interface MediaRow {
  id: string;
  width: number;
  height: number;
  placeholder: string;
  created_at: string;
  uploader: string | null;
  bytes: number | string;
  removed_at: string | null;
}

export const toMediaRecord = (row: MediaRow): MediaRecord => ({
  id: row.id,
  width: row.width,
  height: row.height,
  placeholder: row.placeholder,
  createdAt: row.created_at,
  ...(row.uploader === null ? {} : { uploader: row.uploader }),
  bytes: Number(row.bytes), // a bigint column comes from PostgreSQL as text
  ...(row.removed_at === null ? {} : { removedAt: row.removed_at }),
});

/** The sum of a set of variants' bytes: an image's size as the quotas count it. */
export const variantBytes = (variants: readonly ImageVariant[]): number => variants.reduce((sum, v) => sum + v.bytes.byteLength, 0);

/** An idempotency_keys row as its owner may read it. */
export const keyOutcome = (state: string, response: string | null, touchedAt: number): KeyOutcome =>
  state === "done" ? { state: "completed", response: JSON.parse(response!) as StoredResponse, completedAt: touchedAt } : { state: "in_flight" };
