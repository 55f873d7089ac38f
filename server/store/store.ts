import type { HistoryItem } from "../../shared/api.js";
import type { AccountStore } from "./accounts.js";
import type { MediaStore } from "./media-store.js";
import type { PushStore } from "./push-store.js";
import type { QuestionStore } from "./question-store.js";
import type { ScheduledEdit, ScheduledEntry } from "./scheduled-store.js";
import type { StampedOperation } from "../../shared/operations.js";
import type { PatchOp } from "../../shared/patch.js";
import type { Question } from "../../shared/questions.js";
import type { Author, Snapshot, StorySummary } from "../../shared/story.js";

/**
 * An entry that a version removed from a story: what a feed's tombstone shows, recorded when the
 * removal is committed (none of the entry's content: that stays in the history alone).
 */
export interface RemovedEntry {
  entryId: string;
  /** The version that removed it. */
  version: number;
  /** When it was removed, and by whom. */
  at: string;
  author: Author;
  /** When the entry was first published (its `createdAt`). */
  publishedAt: string;
}

/** A version's patch, with when and by whom it was written. */
export interface VersionOps {
  version: number;
  at: string;
  author: Author;
  ops: PatchOp[];
}

/**
 * The patch text by which a store picks the versions that touched key figures: every such patch
 * has an operation on `/facts` or below it, and JSON escapes the quotes of any such text inside a
 * value, so an entry's body cannot look like one.
 */
export const FACTS_PATH_MARK = '"path":"/facts';

/** A stored answer to a write, replayed for a retry with the same Idempotency-Key. */
export interface StoredResponse {
  status: number;
  body: unknown;
  /** The Location header of a creation, replayed with it. */
  location?: string;
}

export interface IdempotencyClaim {
  /** Whose key it is (the principal); keys of different clients never collide. */
  scope: string;
  key: string;
  /** Hash of method, path and body: the same key with another request is refused. */
  fingerprint: string;
}

/** What became of an Idempotency-Key, as its owner may ask after losing the answer. */
export type KeyOutcome = { state: "completed"; response: StoredResponse; completedAt: number } | { state: "in_flight" };

export type ClaimOutcome =
  | { kind: "claimed" }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "in_flight" }
  | { kind: "mismatch" };

/**
 * Caps a commit must respect (MAX_ENTRIES_PER_STORY, MAX_STORIES). They are judged inside the
 * commit's transaction, which holds the story (and, for a creation, every other creation), so
 * concurrent writers on any number of nodes cannot together pass them.
 */
export interface CommitLimits {
  maxEntries: number;
  maxStories: number;
}

export interface CommitRequest {
  storyId: string;
  operation: StampedOperation;
  /** From `If-Match`: the write applies only if the story is still at this version. */
  expectedVersion?: number;
  /** Completes a claimed key in the same transaction as the write, so a crash cannot split them. */
  idempotency?: { scope: string; key: string; respond: (result: Committed) => StoredResponse };
  /**
   * A draft that this write publishes, at the revision whose text the operation carries: removed
   * (and recorded as published by the operation's author) in the same transaction. Throws
   * DraftGone if it is no longer open, DraftChanged if it was edited since that revision.
   */
  consumeDraft?: DraftToConsume;
  /**
   * The reader's question (its id) that the entry an `add_entry` adds answers: marked answered by
   * it in the same transaction, unless it is already answered or no longer stored, which leaves
   * the question as it is and the write going through (the entry carries its own quote).
   */
  answersQuestion?: string;
  limits?: CommitLimits;
}

/** The outcome of a write. `previous` is absent for a new story; `changed` is false for a no-op. */
export interface Committed {
  snapshot: Snapshot;
  previous?: Snapshot;
  ops: PatchOp[];
  changed: boolean;
  response?: StoredResponse;
  /** The question `answersQuestion` marked answered, as it now is; absent when it marked none. */
  answered?: Question;
}

export interface DraftToConsume {
  id: string;
  revision: number;
}

/** Creating a story would pass MAX_STORIES. */
export class TooManyStories extends Error {
  constructor(readonly limit: number) {
    super(`This instance holds ${limit} stories, its limit.`);
  }
}

/** The story is no longer at the version the writer saw (`If-Match`). */
export class VersionConflict extends Error {
  constructor(readonly currentVersion: number) {
    super(`The story is at version ${currentVersion}.`);
  }
}

/**
 * The store's disk cannot take writes: full, read-only, failing, or its file cannot be opened for
 * writing. The stores throw it in place of their driver's error (`code` keeps the driver's, for
 * the log); it passes once an operator frees space or remounts, and the driver rolled back the
 * write, so the request was sound and may simply be tried again later.
 */
export class StorageUnavailable extends Error {
  constructor(
    readonly code: string,
    cause: unknown,
  ) {
    super(`The store's disk cannot take writes (${code}).`, { cause });
  }
}

/**
 * Where stories live: an append-only log of versions per story, with checkpoints so that any
 * version is rebuilt from at most a few log records. Implementations must assign versions
 * atomically and gap-free, and acknowledge a commit only once it is durable.
 */
export interface Store {
  /** The people who write: accounts, sessions, API tokens and drafts. */
  readonly accounts: AccountStore;
  /** Uploaded images and their variants. */
  readonly media: MediaStore;
  /** Entries waiting for their time, published by the store's own transactions (issue 19). */
  readonly scheduled: ScheduledStore;
  /** Web Push keys, subscriptions and the outbox of alerts (issue 33). */
  readonly push: PushStore;
  /** Readers' questions and what keeps them safe (issue 36): never part of a story's versions. */
  readonly questions: QuestionStore;
  /** The store's own caches by name, each with the bytes it holds (`live_ticker_cache_bytes`). */
  readonly caches: ReadonlyMap<string, { readonly bytes: number }>;
  listStories(): Promise<StorySummary[]>;
  latest(storyId: string): Promise<Snapshot | undefined>;
  /** The snapshot at `version`, or undefined if the story or the version does not exist. */
  snapshotAt(storyId: string, version: number): Promise<Snapshot | undefined>;
  /** Newest first; `before` pages backwards from a version. Undefined for an unknown story. */
  history(storyId: string, page: { before?: number; limit: number }): Promise<HistoryItem[] | undefined>;
  /**
   * Every entry removal in the story's log, newest first (for feed tombstones), read from what each
   * commit recorded: no version is rebuilt. An entry removed, re-added and removed again appears
   * once per removal. Undefined for an unknown story.
   */
  removedEntries(storyId: string): Promise<RemovedEntry[] | undefined>;
  /**
   * The newest `limit` versions whose patch touched the story's key figures, oldest first (for the
   * figures' timelines, shared/fact-timeline.ts). Picked by their patch text (FACTS_PATH_MARK)
   * inside the database, so only those versions are parsed. Undefined for an unknown story.
   */
  factVersions(storyId: string, limit: number): Promise<VersionOps[] | undefined>;
  /** Applies the operation with the story reducer and appends the version; throws ReducerError or VersionConflict. */
  commit(request: CommitRequest): Promise<Committed>;

  claimIdempotencyKey(claim: IdempotencyClaim, leaseMs: number): Promise<ClaimOutcome>;
  completeIdempotencyKey(scope: string, key: string, response: StoredResponse): Promise<void>;
  releaseIdempotencyKey(scope: string, key: string): Promise<void>;
  /** The key's outcome, or undefined when it was never claimed, was released or has been purged. */
  idempotencyOutcome(scope: string, key: string): Promise<KeyOutcome | undefined>;
  /** Forgets completed keys older than `olderThanMs`. */
  purgeIdempotencyKeys(olderThanMs: number): Promise<number>;

  /** Throws if the store cannot answer (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface ScheduleOptions {
  /** The draft it is made from, at the revision whose text it carries: taken and recorded published, atomically. */
  consumeDraft?: DraftToConsume;
  /** The claimed Idempotency-Key, completed with `respond`'s answer in the same transaction. */
  idempotency?: { scope: string; key: string; respond: (item: ScheduledEntry) => StoredResponse };
}

/** What one round of the publisher did with the earliest due entry. */
export type PublishOutcome =
  | { kind: "published"; item: ScheduledEntry; committed: Committed }
  /** The story refused it (gone, full): marked failed, and left for an editor to edit or cancel. */
  | { kind: "failed"; item: ScheduledEntry };

/**
 * Entries waiting for their time (issue 19). The store is the truth, not any node's timer: each
 * due entry is claimed, committed as a new version and marked published in ONE transaction, so a
 * crash at any point publishes it either once or not yet, and two nodes never both publish it.
 */
export interface ScheduledStore {
  /** Stores a new scheduled entry (its `id` must be new). Throws DraftGone / DraftChanged for `consumeDraft`. */
  add(item: ScheduledEntry, options?: ScheduleOptions): Promise<{ item: ScheduledEntry; response?: StoredResponse }>;
  /** Waiting and failed entries of a story, soonest first. */
  list(storyId: string): Promise<ScheduledEntry[]>;
  /** One entry in any state (published ones too), or undefined. */
  get(storyId: string, id: string): Promise<ScheduledEntry | undefined>;
  /** Applies the edit to the entry as stored; throws ScheduledGone (published, cancelled) or ScheduledChanged. */
  edit(storyId: string, id: string, edit: ScheduledEdit, options?: Pick<ScheduleOptions, "idempotency">): Promise<ScheduledEntry>;
  /** Removes a waiting (or failed) entry; throws ScheduledGone or ScheduledChanged. */
  cancel(storyId: string, id: string, expectedRevision?: number, options?: Pick<ScheduleOptions, "idempotency">): Promise<ScheduledEntry>;
  /** The earliest `publishAt` of any waiting entry in the store, to sleep until. */
  nextDue(): Promise<string | undefined>;
  /**
   * Publishes the earliest entry due at `now` (ISO), if any no other node holds: claims it,
   * commits its entry with `now` as its time, marks it published. Undefined when nothing is due.
   */
  publishNext(now: string, limits?: CommitLimits): Promise<PublishOutcome | undefined>;
}

/** How often a full snapshot of a story of up to twice as many entries is kept. */
export const CHECKPOINT_INTERVAL = 50;

/**
 * Whether version `version` of a story of `entries` entries keeps a full snapshot. A checkpoint
 * serializes the whole story (2 MB at 2,000 entries) while a version's record is about one entry,
 * so the interval grows with the story: CHECKPOINT_INTERVAL versions, doubled each time the story
 * doubles past it (never more versions than it has entries). A write then costs the same, spread
 * out, however long the story (issue 32), and reading an old version still replays records that
 * weigh about one snapshot. The intervals divide one another, so one that grows is next met within
 * its own length.
 */
export function checkpointDue(version: number, entries: number): boolean {
  let interval = CHECKPOINT_INTERVAL;
  while (interval * 2 <= entries) interval *= 2;
  return version === 1 || version % interval === 0;
}
