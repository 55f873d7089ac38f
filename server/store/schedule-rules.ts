import type { StampedOperation } from "../../shared/operations.js";
import { ReducerError } from "../../shared/reducer.js";
import type { ClosedDraft, Draft } from "./accounts.js";
import { commitRules, type CommitRows, type Step } from "./commit-rules.js";
import { ScheduledChanged, ScheduledGone, type ScheduledEdit, type ScheduledEntry } from "./scheduled-store.js";
import type { CommitLimits, PublishOutcome, ScheduleOptions, StoredResponse } from "./store.js";

/**
 * The rows the scheduled entries' transitions read and write, inside the transaction the store
 * opened for them. Like `commitRules`, the rules below are written once for both stores.
 */
export interface ScheduledRows {
  /** One entry, held for this transaction (PostgreSQL: FOR UPDATE). */
  read(storyId: string, id: string): Step<ScheduledEntry | undefined>;
  /** The earliest waiting entry due at `now` that no other transaction holds, now held by this one. */
  claimDue(now: string): Step<ScheduledEntry | undefined>;
  insert(item: ScheduledEntry): Step<void>;
  update(item: ScheduledEntry): Step<void>;
  remove(storyId: string, id: string): Step<void>;
  takeDraft(storyId: string, id: string, revision: number): Step<Draft>;
  recordClosed(closed: ClosedDraft): Step<void>;
  completeKey(scope: string, key: string, response: StoredResponse): Step<void>;
  /** The story's commit rows, on this same transaction. */
  commitRows(storyId: string): CommitRows;
}

function* step<T>(result: Step<T>): Generator<Step<unknown>, T, unknown> {
  return (yield result) as T;
}

/** Schedules: takes the draft it comes from (recorded as published as the entry it will be), stores it, completes the key. */
export function* addRules(rows: ScheduledRows, item: ScheduledEntry, options: ScheduleOptions = {}) {
  if (options.consumeDraft) {
    const draft = yield* step(rows.takeDraft(item.storyId, options.consumeDraft.id, options.consumeDraft.revision));
    const closed: ClosedDraft = { id: draft.id, storyId: draft.storyId, authorId: draft.authorId, outcome: "published", by: item.createdBy, at: item.createdAt, entryId: item.entryId };
    yield* step(rows.recordClosed(closed));
  }
  yield* step(rows.insert(item));
  const response = yield* answered(rows, item, options.idempotency);
  return { item, ...(response ? { response } : {}) };
}

/** Completes the claimed Idempotency-Key with the answer, on the transaction that made the change. */
function* answered(rows: ScheduledRows, item: ScheduledEntry, idempotency: ScheduleOptions["idempotency"]) {
  if (!idempotency) return undefined;
  const response = idempotency.respond(item);
  yield* step(rows.completeKey(idempotency.scope, idempotency.key, response));
  return response;
}

/** The entry as stored, if it may still change: not published, not cancelled, at the expected revision. */
function* waiting(rows: ScheduledRows, storyId: string, id: string, expectedRevision: number | undefined) {
  const item = yield* step(rows.read(storyId, id));
  if (!item || item.published) throw new ScheduledGone(item);
  if (expectedRevision !== undefined && item.revision !== expectedRevision) throw new ScheduledChanged(item.revision);
  return item;
}

/** A new time or text, one revision on; a failed entry waits again (its failure was about the old one). */
export function* editRules(rows: ScheduledRows, storyId: string, id: string, edit: ScheduledEdit, options: Pick<ScheduleOptions, "idempotency"> = {}) {
  const item = yield* waiting(rows, storyId, id, edit.expectedRevision);
  const { failed: _failed, ...rest } = item;
  const next: ScheduledEntry = { ...rest, revision: item.revision + 1, updatedAt: edit.at };
  for (const [field, value] of Object.entries(edit.changes)) {
    if (value !== undefined) Object.assign(next, { [field]: value });
  }
  // An empty headline or media list removes it, as an entry edit does.
  if (next.headline === "") delete next.headline;
  if (next.media?.length === 0) delete next.media;
  yield* step(rows.update(next));
  yield* answered(rows, next, options.idempotency);
  return next;
}

export function* cancelRules(rows: ScheduledRows, storyId: string, id: string, expectedRevision: number | undefined, options: Pick<ScheduleOptions, "idempotency"> = {}) {
  const item = yield* waiting(rows, storyId, id, expectedRevision);
  yield* step(rows.remove(storyId, id));
  yield* answered(rows, item, options.idempotency);
  return item;
}

/**
 * One round of the publisher: claim the earliest due entry, commit it as a new version of its
 * story with `now` as its time, and mark it published, all on one transaction. A story that
 * refuses it (ReducerError, thrown before anything is written) marks it failed instead.
 */
export function* publishRules(rows: ScheduledRows, now: string, limits: CommitLimits | undefined) {
  const item = yield* step(rows.claimDue(now));
  if (!item) return undefined;
  const operation: StampedOperation = {
    type: "add_entry",
    entryId: item.entryId,
    body: item.body,
    kind: item.kind,
    pinned: item.pinned,
    ...(item.headline ? { headline: item.headline } : {}),
    ...(item.media?.length ? { media: item.media } : {}),
    ...(item.byline ? { byline: item.byline } : {}),
    ...(item.alert === false ? { alert: false } : {}),
    at: now,
    author: item.createdBy,
  };
  let outcome: PublishOutcome;
  try {
    const committed = yield* commitRules(rows.commitRows(item.storyId), { storyId: item.storyId, operation, ...(limits ? { limits } : {}) });
    outcome = { kind: "published", item: { ...item, published: { version: committed.snapshot.version, at: now } }, committed };
  } catch (error) {
    if (!(error instanceof ReducerError)) throw error;
    outcome = { kind: "failed", item: { ...item, failed: { code: error.code, message: error.message, at: now } } };
  }
  yield* step(rows.update(outcome.item));
  return outcome;
}
