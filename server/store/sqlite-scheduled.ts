import type Database from "better-sqlite3";
import { runSync, type CommitRows } from "./commit-rules.js";
import { addRules, cancelRules, editRules, publishRules, type ScheduledRows } from "./schedule-rules.js";
import { stateOf, type ScheduledEdit, type ScheduledEntry } from "./scheduled-store.js";
import type { SqliteAccounts } from "./sqlite-accounts.js";
import type { CommitLimits, Committed, ScheduledStore, ScheduleOptions, StoredResponse } from "./store.js";

/** The table of entries waiting for their time; the item is JSON, its time and state columns for the poller. */
export const SCHEDULED_TABLE = `
CREATE TABLE IF NOT EXISTS scheduled_entries (
  story_id TEXT NOT NULL,
  id TEXT NOT NULL,
  publish_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'published', 'failed')),
  item TEXT NOT NULL,
  PRIMARY KEY (story_id, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scheduled_entries_due ON scheduled_entries (publish_at) WHERE state = 'pending';
`;

/** What the SQLite store lends its scheduled entries: a story's commit rows, its key completion, news of a commit. */
export interface SqliteStoryAccess {
  rows(storyId: string): CommitRows;
  completeKey(scope: string, key: string, response: StoredResponse): void;
  committed(committed: Committed): void;
}

/**
 * Scheduled entries in the SQLite file. Every transition is one BEGIN IMMEDIATE transaction, which
 * holds the whole file: a second process on the same file waits its turn, so a due entry is
 * claimed, committed and marked published by exactly one of them.
 */
export class SqliteScheduled implements ScheduledStore {
  readonly #db: Database.Database;
  readonly #rows: ScheduledRows;
  readonly #story: SqliteStoryAccess;
  readonly #sql;

  constructor(db: Database.Database, accounts: SqliteAccounts, story: SqliteStoryAccess) {
    this.#db = db;
    this.#story = story;
    const sql = (this.#sql = {
      get: db.prepare<[string, string], string>("SELECT item FROM scheduled_entries WHERE story_id = ? AND id = ?").pluck(),
      list: db.prepare<[string], string>("SELECT item FROM scheduled_entries WHERE story_id = ? AND state <> 'published' ORDER BY publish_at, id").pluck(),
      due: db.prepare<[string], string>("SELECT item FROM scheduled_entries WHERE state = 'pending' AND publish_at <= ? ORDER BY publish_at, id LIMIT 1").pluck(),
      nextDue: db.prepare<[], string>("SELECT min(publish_at) FROM scheduled_entries WHERE state = 'pending'").pluck(),
      insert: db.prepare("INSERT INTO scheduled_entries (story_id, id, publish_at, state, item) VALUES (?, ?, ?, ?, ?)"),
      update: db.prepare("UPDATE scheduled_entries SET publish_at = ?, state = ?, item = ? WHERE story_id = ? AND id = ?"),
      remove: db.prepare("DELETE FROM scheduled_entries WHERE story_id = ? AND id = ?"),
    });
    const parse = (json: string | undefined) => (json === undefined ? undefined : (JSON.parse(json) as ScheduledEntry));
    this.#rows = {
      read: (storyId, id) => parse(sql.get.get(storyId, id)),
      claimDue: (now) => parse(sql.due.get(now)),
      insert: (item) => void sql.insert.run(item.storyId, item.id, item.publishAt, stateOf(item), JSON.stringify(item)),
      update: (item) => void sql.update.run(item.publishAt, stateOf(item), JSON.stringify(item), item.storyId, item.id),
      remove: (storyId, id) => void sql.remove.run(storyId, id),
      takeDraft: (storyId, id, revision) => accounts.takeDraft(storyId, id, revision),
      recordClosed: (closed) => accounts.recordClosed(closed),
      completeKey: (scope, key, response) => story.completeKey(scope, key, response),
      commitRows: (storyId) => story.rows(storyId),
    };
  }

  async add(item: ScheduledEntry, options: ScheduleOptions = {}) {
    return this.#db.transaction(() => runSync(addRules(this.#rows, item, options))).immediate();
  }

  async list(storyId: string): Promise<ScheduledEntry[]> {
    return this.#sql.list.all(storyId).map((json) => JSON.parse(json) as ScheduledEntry);
  }

  async get(storyId: string, id: string): Promise<ScheduledEntry | undefined> {
    return this.#rows.read(storyId, id) as ScheduledEntry | undefined;
  }

  async edit(storyId: string, id: string, edit: ScheduledEdit, options?: Pick<ScheduleOptions, "idempotency">): Promise<ScheduledEntry> {
    return this.#db.transaction(() => runSync(editRules(this.#rows, storyId, id, edit, options))).immediate();
  }

  async cancel(storyId: string, id: string, expectedRevision?: number, options?: Pick<ScheduleOptions, "idempotency">): Promise<ScheduledEntry> {
    return this.#db.transaction(() => runSync(cancelRules(this.#rows, storyId, id, expectedRevision, options))).immediate();
  }

  async nextDue(): Promise<string | undefined> {
    return this.#sql.nextDue.get() ?? undefined;
  }

  async publishNext(now: string, limits?: CommitLimits) {
    const outcome = this.#db.transaction(() => runSync(publishRules(this.#rows, now, limits))).immediate();
    if (outcome?.kind === "published") this.#story.committed(outcome.committed); // only once the transaction has committed
    return outcome;
  }
}
