import type { ScheduledEntry } from "../../shared/schedule.js";
import type { CommitLimits, Committed, DraftToConsume, StoredResponse } from "./store.js";

export type { ScheduledEntry } from "../../shared/schedule.js";

/** The scheduled entry was published (`published` says as which version), or never existed / was cancelled. */
export class ScheduledGone extends Error {
  constructor(readonly item?: ScheduledEntry) {
    super(item?.published ? `It was published at version ${item.published.version}.` : "No such scheduled entry.");
  }
}

/** The scheduled entry is no longer at the revision the writer saw. */
export class ScheduledChanged extends Error {
  constructor(readonly currentRevision: number) {
    super(`The scheduled entry has changed: it is now at revision ${currentRevision}.`);
  }
}

/** A change to a waiting entry: a new time and/or text, applied only at `expectedRevision` (when given). */
export interface ScheduledEdit {
  changes: Partial<Pick<ScheduledEntry, "publishAt" | "body" | "headline" | "kind" | "pinned" | "media">>;
  at: string;
  expectedRevision?: number;
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
  edit(storyId: string, id: string, edit: ScheduledEdit): Promise<ScheduledEntry>;
  /** Removes a waiting (or failed) entry; throws ScheduledGone or ScheduledChanged. */
  cancel(storyId: string, id: string, expectedRevision?: number): Promise<ScheduledEntry>;
  /** The earliest `publishAt` of any waiting entry in the store, to sleep until. */
  nextDue(): Promise<string | undefined>;
  /**
   * Publishes the earliest entry due at `now` (ISO), if any no other node holds: claims it,
   * commits its entry with `now` as its time, marks it published. Undefined when nothing is due.
   */
  publishNext(now: string, limits?: CommitLimits): Promise<PublishOutcome | undefined>;
}

/** How a row's state follows from its item: one rule for both stores' `state` column. */
export const stateOf = (item: ScheduledEntry): "pending" | "published" | "failed" =>
  item.published ? "published" : item.failed ? "failed" : "pending";
