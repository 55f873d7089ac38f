import type pg from "pg";
import { runAsync, type CommitRows } from "./commit-rules.js";
import { inTransaction } from "./pg-transaction.js";
import type { PostgresAccounts } from "./postgres-accounts.js";
import { addRules, cancelRules, editRules, publishRules, type ScheduledRows } from "./schedule-rules.js";
import { stateOf, type ScheduledEdit, type ScheduledEntry } from "./scheduled-store.js";
import type { CommitLimits, ScheduledStore, ScheduleOptions, StoredResponse } from "./store.js";

/** What the PostgreSQL store lends its scheduled entries: a story's commit rows and key completion on a transaction's connection. */
export interface PostgresStoryAccess {
  rows(client: pg.PoolClient, storyId: string): CommitRows;
  completeKey(client: pg.PoolClient, scope: string, key: string, response: StoredResponse): Promise<void>;
}

const parse = (rows: { item: string }[]) => (rows[0] ? (JSON.parse(rows[0].item) as ScheduledEntry) : undefined);

/**
 * Scheduled entries of a node among many. The publisher claims a due row with
 * `FOR UPDATE SKIP LOCKED`: of several nodes polling at once each gets a different row or none,
 * and a row an editor is changing or cancelling right now is left for the next round. The claim,
 * the story's new version and the row's `published` mark commit together.
 */
export class PostgresScheduled implements ScheduledStore {
  readonly #pool: pg.Pool;
  readonly #accounts: PostgresAccounts;
  readonly #story: PostgresStoryAccess;

  constructor(pool: pg.Pool, accounts: PostgresAccounts, story: PostgresStoryAccess) {
    this.#pool = pool;
    this.#accounts = accounts;
    this.#story = story;
  }

  #rows(client: pg.PoolClient): ScheduledRows {
    return {
      read: async (storyId, id) =>
        parse((await client.query<{ item: string }>("SELECT item FROM scheduled_entries WHERE story_id = $1 AND id = $2 FOR UPDATE", [storyId, id])).rows),
      claimDue: async (now) =>
        parse(
          (
            await client.query<{ item: string }>(
              `SELECT item FROM scheduled_entries WHERE state = 'pending' AND publish_at <= $1
               ORDER BY publish_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
              [now],
            )
          ).rows,
        ),
      insert: async (item) => {
        await client.query("INSERT INTO scheduled_entries (story_id, id, publish_at, state, item) VALUES ($1, $2, $3, $4, $5)", [
          item.storyId,
          item.id,
          item.publishAt,
          stateOf(item),
          JSON.stringify(item),
        ]);
      },
      update: async (item) => {
        await client.query("UPDATE scheduled_entries SET publish_at = $3, state = $4, item = $5 WHERE story_id = $1 AND id = $2", [
          item.storyId,
          item.id,
          item.publishAt,
          stateOf(item),
          JSON.stringify(item),
        ]);
      },
      remove: async (storyId, id) => {
        await client.query("DELETE FROM scheduled_entries WHERE story_id = $1 AND id = $2", [storyId, id]);
      },
      takeDraft: (storyId, id, revision) => this.#accounts.takeDraft(client, storyId, id, revision),
      recordClosed: (closed) => this.#accounts.recordClosed(client, closed),
      completeKey: (scope, key, response) => this.#story.completeKey(client, scope, key, response),
      commitRows: (storyId) => this.#story.rows(client, storyId),
    };
  }

  add(item: ScheduledEntry, options: ScheduleOptions = {}) {
    return inTransaction(this.#pool, (client) => runAsync(addRules(this.#rows(client), item, options)));
  }

  async list(storyId: string): Promise<ScheduledEntry[]> {
    const { rows } = await this.#pool.query<{ item: string }>(
      "SELECT item FROM scheduled_entries WHERE story_id = $1 AND state <> 'published' ORDER BY publish_at, id",
      [storyId],
    );
    return rows.map((row) => JSON.parse(row.item) as ScheduledEntry);
  }

  async get(storyId: string, id: string): Promise<ScheduledEntry | undefined> {
    return parse((await this.#pool.query<{ item: string }>("SELECT item FROM scheduled_entries WHERE story_id = $1 AND id = $2", [storyId, id])).rows);
  }

  edit(storyId: string, id: string, edit: ScheduledEdit, options?: Pick<ScheduleOptions, "idempotency">): Promise<ScheduledEntry> {
    return inTransaction(this.#pool, (client) => runAsync(editRules(this.#rows(client), storyId, id, edit, options)));
  }

  cancel(storyId: string, id: string, expectedRevision?: number, options?: Pick<ScheduleOptions, "idempotency">): Promise<ScheduledEntry> {
    return inTransaction(this.#pool, (client) => runAsync(cancelRules(this.#rows(client), storyId, id, expectedRevision, options)));
  }

  async nextDue(): Promise<string | undefined> {
    const { rows: [row] } = await this.#pool.query<{ next: string | null }>("SELECT min(publish_at) AS next FROM scheduled_entries WHERE state = 'pending'");
    return row?.next ?? undefined;
  }

  publishNext(now: string, limits?: CommitLimits) {
    return inTransaction(this.#pool, (client) => runAsync(publishRules(this.#rows(client), now, limits)));
  }
}
