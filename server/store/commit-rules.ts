import type { StampedOperation } from "../../shared/operations.js";
import type { PatchOp } from "../../shared/patch.js";
import { entryCount, reduce, ReducerError } from "../../shared/reducer.js";
import type { Question } from "../../shared/questions.js";
import type { Snapshot } from "../../shared/story.js";
import type { ClosedDraft, Draft } from "./accounts.js";
import type { NewAlert } from "./push-store.js";
import { publishedDraft, removalsOf } from "./rows.js";
import { entryChanges, headJson, type EntryChanges } from "./story-pieces.js";
import { checkpointDue, TooManyStories, VersionConflict, type CommitRequest, type Committed, type RemovedEntry, type StoredResponse } from "./store.js";

/** A row operation's result: a value from a synchronous driver (SQLite), a promise from an asynchronous one (PostgreSQL). */
export type Step<T> = T | Promise<T>;

/**
 * The rows a commit reads and writes, inside the transaction the store has opened for it. Each
 * store supplies only these; the rules that use them are `commitRules`, written once.
 */
export interface CommitRows {
  /** Removes the open draft at `revision`; throws DraftGone or DraftChanged. */
  takeDraft(id: string, revision: number): Step<Draft>;
  recordClosed(closed: ClosedDraft): Step<void>;
  /** The story's latest snapshot, held for this transaction: no other writer of the story gets between read and write. */
  latest(): Step<Snapshot | undefined>;
  /**
   * Marks these images published (never collected from then on: the history shows them) and
   * answers which of them are stored and not taken down; their rows are held, so that neither a
   * takedown nor the collection of unused uploads can take them before this transaction ends.
   */
  publishImages(ids: string[]): Step<string[]>;
  /** How many stories there are, counted so that no other creation can come between count and insert. */
  countStories(): Step<number>;
  /** Writes the story's row (its head, see story-pieces.ts, and list columns); `created` when it had none. */
  saveStory(snapshot: Snapshot, head: string, created: boolean): Step<void>;
  /** Writes the entries the version added or changed and deletes those it removed; a re-added entry goes last. */
  saveEntries(changes: EntryChanges): Step<void>;
  insertVersion(version: number, operation: StampedOperation, summary: string, ops: PatchOp[]): Step<void>;
  insertRemovals(removals: RemovedEntry[]): Step<void>;
  insertCheckpoint(version: number, json: string): Step<void>;
  /** Writes the version's breaking-news alerts to the push outbox (push-store.ts), in this transaction. */
  insertAlerts(alerts: NewAlert[]): Step<void>;
  completeKey(scope: string, key: string, response: StoredResponse): Step<void>;
  /** Marks the story's question answered by `entryId` unless it is answered already or gone: the question as it now is, else undefined. */
  answerQuestion(id: string, entryId: string): Step<Question | undefined>;
}

/**
 * Yields a row operation's result to the store's runner and hands back what the runner resolved
 * it to: the value itself, or what its promise resolved to, so always a T.
 */
function* step<T>(result: Step<T>): Generator<Step<unknown>, T, unknown> {
  return (yield result) as T;
}

/**
 * What a commit does, in order, whatever the store: consume the draft it publishes (once, and only
 * at the revision whose text the operation carries), check `If-Match`, the story cap (for a
 * creation) and the entry cap (in the reducer), then write the version, the story's head and the
 * entries it changed, the removals for feed tombstones, a checkpoint when one is due
 * (`checkpointDue`), the reader's question the entry answers and the stored idempotent answer. A
 * change that changes nothing writes nothing but that answer. Only a checkpoint serializes the
 * whole snapshot: every other write stores what changed.
 *
 * A generator, so that one text of the rules runs both synchronously inside a better-sqlite3
 * transaction (which cannot span an await: `runSync`) and asynchronously on a PostgreSQL
 * connection (`runAsync`); each row operation is yielded to the store's runner.
 */
export function* commitRules(rows: CommitRows, request: CommitRequest): Generator<Step<unknown>, Committed, unknown> {
  const { operation, expectedVersion, idempotency, consumeDraft, answersQuestion, limits } = request;
  if (consumeDraft) {
    const draft = yield* step(rows.takeDraft(consumeDraft.id, consumeDraft.revision));
    yield* step(rows.recordClosed(publishedDraft(draft, operation)));
  }
  const previous = yield* step(rows.latest());
  if (previous && expectedVersion !== undefined && previous.version !== expectedVersion) {
    throw new VersionConflict(previous.version);
  }
  if (!previous && operation.type === "create_story" && limits && (yield* step(rows.countStories())) >= limits.maxStories) {
    throw new TooManyStories(limits.maxStories);
  }
  // The server resolved the photos before the commit; one taken down or collected since is refused
  // here, where the store holds it, so no entry can show a photo the takedown did not see.
  // Embeds' thumbnails are published with them (kept from the collection of unused uploads) but never
  // refuse the write: one taken down since it was fetched only leaves its card without a picture.
  const { images, thumbnails } = imagesOf(operation);
  if (images.length + thumbnails.length > 0) {
    const live = new Set(yield* step(rows.publishImages([...new Set([...images, ...thumbnails])])));
    const gone = images.find((id) => !live.has(id));
    if (gone) throw new ReducerError("unknown_media", `Photo ${gone} is no longer stored (taken down or deleted); upload it again.`);
  }
  // The story is held, so the entry cap is judged on the true latest snapshot.
  const transition = reduce(previous, operation, limits?.maxEntries);
  if (!transition) return yield* withResponse({ snapshot: previous!, previous, ops: [], changed: false });

  const { snapshot, ops, summary, entryIds } = transition;
  // The story first: where two nodes create the same story at once, its key lets exactly one through.
  yield* step(rows.saveStory(snapshot, headJson(snapshot), !previous));
  yield* step(rows.saveEntries(entryChanges(previous, snapshot, entryIds)));
  yield* step(rows.insertVersion(snapshot.version, operation, summary, ops));
  yield* step(rows.insertRemovals([...removalsOf(previous, ops, snapshot.version, operation.at, operation.author)]));
  const alerts = alertsOf(operation, snapshot.version);
  if (alerts.length > 0) yield* step(rows.insertAlerts(alerts));
  if (checkpointDue(snapshot.version, entryCount(snapshot.entries))) {
    yield* step(rows.insertCheckpoint(snapshot.version, JSON.stringify(snapshot)));
  }
  // The question with its answer: a crash cannot leave one published and the other pending.
  const answered = answersQuestion && operation.type === "add_entry" ? yield* step(rows.answerQuestion(answersQuestion, operation.entryId)) : undefined;
  return yield* withResponse({ snapshot, ops, changed: true, ...(previous ? { previous } : {}), ...(answered ? { answered } : {}) });

  /** The one place a commit's Idempotency-Key is completed: in its transaction, a no-op's too. */
  function* withResponse(committed: Committed): Generator<Step<unknown>, Committed, unknown> {
    if (idempotency) {
      committed.response = idempotency.respond(committed);
      yield* step(rows.completeKey(idempotency.scope, idempotency.key, committed.response));
    }
    return committed;
  }
}

/**
 * The alerts a version owes readers: a breaking entry published on its own (directly, from a draft
 * or a schedule) unless its publisher turned the alert off. Edits, removals and batches (wire
 * feeds, imports) never alert.
 */
function alertsOf(operation: StampedOperation, version: number): NewAlert[] {
  if (operation.type !== "add_entry" || operation.kind !== "breaking" || operation.alert === false) return [];
  return [{ entryId: operation.entryId, version }];
}

/** The ids of the photos an operation puts in an entry, and of its embeds' thumbnails. */
function imagesOf(operation: StampedOperation): { images: string[]; thumbnails: string[] } {
  const media =
    operation.type === "add_entries"
      ? operation.entries.flatMap((entry) => entry.media ?? [])
      : operation.type === "add_entry" || operation.type === "edit_entry"
        ? (operation.media ?? [])
        : [];
  return {
    images: [...new Set(media.flatMap((item) => (item.type === "image" ? [item.id] : [])))],
    thumbnails: media.flatMap((item) => (item.type === "embed" && item.thumbnail ? [item.thumbnail.id] : [])),
  };
}

/** Runs the rules on rows whose operations return values (inside a synchronous transaction). */
export function runSync<T>(rules: Generator<Step<unknown>, T, unknown>): T {
  let next = rules.next();
  while (!next.done) {
    if (next.value instanceof Promise) throw new Error("A synchronous store's row operation returned a promise.");
    next = rules.next(next.value);
  }
  return next.value;
}

/** Runs the rules on rows whose operations return promises, awaiting each in turn. */
export async function runAsync<T>(rules: Generator<Step<unknown>, T, unknown>): Promise<T> {
  let next = rules.next();
  while (!next.done) next = rules.next(await next.value);
  return next.value;
}
