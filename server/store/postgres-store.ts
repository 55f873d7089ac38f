import pg from "pg";
import type { HistoryItem } from "../../shared/api.js";
import { ReducerError } from "../../shared/reducer.js";
import type { Snapshot, StorySummary } from "../../shared/story.js";
import { Lru } from "../../shared/lru.js";
import { migrate, quoteIdentifier } from "./pg-migrations.js";
import { commitRules, runAsync, type CommitRows } from "./commit-rules.js";
import { PostgresAccounts } from "./postgres-accounts.js";
import { insertRemovals } from "./pg-removals.js";
import { PostgresMedia } from "./postgres-media.js";
import { insertAlerts, PostgresPush } from "./postgres-push.js";
import { PostgresQuestions } from "./postgres-questions.js";
import { PostgresScheduled } from "./postgres-scheduled.js";
import { inTransaction } from "./pg-transaction.js";
import { RebuiltVersions } from "./rebuilt-versions.js";
import { guardStorage } from "./storage-guard.js";
import { keyOutcome, toHistoryItem, toRemovedEntry, toVersionOps, type RemovalRow } from "./rows.js";
import { assemble } from "./story-pieces.js";
import {
  FACTS_PATH_MARK,
  type ClaimOutcome,
  type CommitRequest,
  type Committed,
  type IdempotencyClaim,
  type KeyOutcome,
  type RemovedEntry,
  type Store,
  type StoredResponse,
  type VersionOps,
} from "./store.js";

/**
 * The database's clock in milliseconds. Idempotency leases and their purge use it rather than the
 * node's clock, so that nodes with slightly different clocks agree on when a lease ran out.
 */
const NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/** How many stories' parsed latest snapshots the store keeps (least recently used go first). */
const PARSED_STORIES = 100;

const UNIQUE_VIOLATION = "23505";
const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;

/**
 * The SQLSTATEs of a database that cannot take writes: 53100 disk_full, 25006
 * read_only_sql_transaction (a standby, or default_transaction_read_only), 58030 io_error.
 */
const DISK_FAILURES = new Set(["53100", "25006", "58030"]);

export function postgresDiskFailure(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && DISK_FAILURES.has(code) ? code : undefined;
}

export interface PostgresStoreOptions {
  /** The schema that holds the tables (created if missing); `public` by default. */
  schema?: string;
  /** Connections in the pool (10 by default). */
  max?: number;
}

/**
 * The store of a node among many: PostgreSQL holds the log, and assigning a version is one
 * transaction there. A commit locks the story's row (`SELECT … FOR UPDATE`), so writers on any
 * number of nodes take turns and versions stay gap-free and strictly increasing; a new story is
 * guarded by the primary key. The reducer runs inside the transaction, and everything a write
 * touches (version, story, checkpoint, idempotency key, consumed draft) commits or rolls back
 * together. A commit is acknowledged once PostgreSQL has made it durable.
 */
export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly accounts: PostgresAccounts;
  readonly media: PostgresMedia;
  readonly scheduled: PostgresScheduled;
  readonly push: PostgresPush;
  readonly questions: PostgresQuestions;
  #closing: Promise<void> | undefined;
  /** Parsed latest snapshots by story, reused while the stored version is the same. */
  readonly #parsed = new Lru<string, Snapshot>(PARSED_STORIES);
  readonly #rebuilt = new RebuiltVersions();
  readonly caches = new Map([["rebuilt-versions", this.#rebuilt]]);

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
    this.accounts = new PostgresAccounts(pool);
    this.media = new PostgresMedia(pool);
    this.push = new PostgresPush(pool);
    this.questions = new PostgresQuestions(pool);
    this.scheduled = new PostgresScheduled(pool, this.accounts, {
      rows: (client, storyId) => this.#rows(client, storyId),
      completeKey: (client, scope, key, response) => this.#completeKey(client, scope, key, response),
    });
  }

  /** Connects, creates the schema if missing, applies pending migrations and returns the store. */
  static async open(connectionString: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const schema = options.schema ?? "public";
    const setPath = `SET search_path TO ${quoteIdentifier(schema)}`;
    const pool = new pg.Pool({
      connectionString,
      max: options.max ?? 10,
      // Every new connection works in the schema; a connection that cannot is discarded, never used.
      onConnect: async (client) => {
        await client.query(setPath);
      },
    });
    // An idle connection that dies (database restart, network) must not crash the process: the
    // pool drops it, and the next query opens a new one or fails where it can be reported.
    pool.on("error", () => {});
    try {
      const client = await pool.connect();
      try {
        await migrate(client, schema);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
    return guardStorage(new PostgresStore(pool), postgresDiskFailure);
  }

  async listStories(): Promise<StorySummary[]> {
    const { rows } = await this.#pool.query<StorySummary>(
      `SELECT id, title, status, version, updated_at AS "updatedAt" FROM stories
       ORDER BY status = 'live' DESC, updated_at COLLATE "C" DESC, id COLLATE "C"`,
    );
    return rows;
  }

  /**
   * The latest snapshot. Its version is read first: while it matches the one parsed last time
   * (another node may have written since), the parsed snapshot is reused, so a busy story is
   * neither sent by the database nor parsed again on every read.
   */
  async latest(storyId: string): Promise<Snapshot | undefined> {
    const { rows: [stored] } = await this.#pool.query<{ version: number }>("SELECT version FROM stories WHERE id = $1", [storyId]);
    if (!stored) return undefined;
    const parsed = this.#parsed.get(storyId);
    if (parsed?.version === stored.version) return parsed;
    // One transaction (REPEATABLE READ), so a commit cannot come between the head and the entries.
    const snapshot = await inTransaction(this.#pool, (client) => this.#read(client, storyId), "REPEATABLE READ");
    return snapshot && this.#remember(snapshot);
  }

  /** The story's head and entries, assembled (story-pieces.ts). */
  async #read(client: pg.PoolClient, storyId: string): Promise<Snapshot | undefined> {
    const { rows: [row] } = await client.query<{ head: string }>("SELECT head FROM stories WHERE id = $1", [storyId]);
    if (!row) return undefined;
    const { rows } = await client.query<{ entry: string }>("SELECT entry FROM story_entries WHERE story_id = $1 ORDER BY seq", [storyId]);
    return assemble(row.head, rows.map((entry) => entry.entry));
  }

  /** Keeps a parsed latest snapshot; two reads racing a commit may parse versions out of order: the newer stays. */
  #remember(snapshot: Snapshot): Snapshot {
    const kept = this.#parsed.get(snapshot.id);
    return kept && kept.version > snapshot.version ? snapshot : this.#parsed.set(snapshot.id, snapshot);
  }

  async snapshotAt(storyId: string, version: number): Promise<Snapshot | undefined> {
    const latest = await this.latest(storyId);
    if (!latest || version > latest.version) return undefined;
    if (version === latest.version) return latest;
    return this.#rebuilt.get(storyId, version, async () => {
      // Versions up to the latest never change, so these reads need no transaction.
      const { rows: [checkpoint] } = await this.#pool.query<{ version: number; snapshot: string }>(
        "SELECT version, snapshot FROM checkpoints WHERE story_id = $1 AND version <= $2::bigint ORDER BY version DESC LIMIT 1",
        [storyId, version],
      );
      if (!checkpoint) return undefined;
      const { rows } = await this.#pool.query<{ ops: string }>(
        "SELECT ops FROM versions WHERE story_id = $1 AND version > $2::bigint AND version <= $3::bigint ORDER BY version",
        [storyId, checkpoint.version, version],
      );
      return { checkpoint: checkpoint.snapshot, ops: rows.map((row) => row.ops) };
    });
  }

  async history(storyId: string, page: { before?: number; limit: number }): Promise<HistoryItem[] | undefined> {
    if (!(await this.#exists(storyId))) return undefined;
    const { rows } = await this.#pool.query<{ version: number; at: string; author: string; summary: string; ops: string }>(
      "SELECT version, at, author, summary, ops FROM versions WHERE story_id = $1 AND version < $2::bigint ORDER BY version DESC LIMIT $3::bigint",
      [storyId, page.before ?? Number.MAX_SAFE_INTEGER, page.limit],
    );
    return rows.map(toHistoryItem);
  }

  async factVersions(storyId: string, limit: number): Promise<VersionOps[] | undefined> {
    if (!(await this.#exists(storyId))) return undefined;
    const { rows } = await this.#pool.query<{ version: number; at: string; author: string; ops: string }>(
      "SELECT version, at, author, ops FROM versions WHERE story_id = $1 AND strpos(ops, $2) > 0 ORDER BY version DESC LIMIT $3::bigint",
      [storyId, FACTS_PATH_MARK, limit],
    );
    return rows.reverse().map(toVersionOps);
  }

  async removedEntries(storyId: string): Promise<RemovedEntry[] | undefined> {
    if (!(await this.#exists(storyId))) return undefined;
    const { rows } = await this.#pool.query<RemovalRow>(
      "SELECT entry_id, version, at, author, published_at FROM removals WHERE story_id = $1 ORDER BY version DESC, entry_id",
      [storyId],
    );
    return rows.map(toRemovedEntry);
  }

  async commit(request: CommitRequest): Promise<Committed> {
    const committed = await inTransaction(this.#pool, (client) => runAsync(commitRules(this.#rows(client, request.storyId), request)));
    if (committed.changed) this.#remember(committed.snapshot); // only once the transaction has committed
    return committed;
  }

  /**
   * The commit's rows, for `commitRules`. The story's row lock (`FOR UPDATE`) serialises its
   * writers across all nodes until the transaction ends; a concurrent publish or edit of the same
   * draft waits on the draft's row lock, then finds it gone.
   */
  #rows(client: pg.PoolClient, storyId: string): CommitRows {
    return {
      takeDraft: (id, revision) => this.accounts.takeDraft(client, storyId, id, revision),
      recordClosed: (closed) => this.accounts.recordClosed(client, closed),
      latest: async () => {
        // The row lock first; then the snapshot this node committed or read last, if still the latest.
        const { rows: [row] } = await client.query<{ version: number }>("SELECT version FROM stories WHERE id = $1 FOR UPDATE", [storyId]);
        if (!row) return undefined;
        const parsed = this.#parsed.get(storyId);
        return parsed?.version === row.version ? parsed : this.#read(client, storyId);
      },
      publishImages: async (ids) => {
        // The rows stay locked until the commit ends: a takedown (an UPDATE) waits for it, a
        // collection (FOR UPDATE SKIP LOCKED) skips them, and one that came first leaves nothing to mark.
        const { rows } = await client.query<{ id: string }>("UPDATE media SET published = true WHERE id = ANY($1::text[]) AND removed_at IS NULL RETURNING id", [ids]);
        return rows.map((row) => row.id);
      },
      countStories: () => this.#countForACreation(client),
      saveStory: async (snapshot, head, created) => {
        const values = [storyId, snapshot.version, snapshot.status, snapshot.updatedAt, snapshot.title, head];
        if (!created) {
          await client.query("UPDATE stories SET version = $2, status = $3, updated_at = $4, title = $5, head = $6 WHERE id = $1", values);
          return;
        }
        // No row to lock yet: two nodes creating the same story both get here, and the primary key
        // lets exactly one through (the other waits for it, then fails).
        try {
          await client.query("INSERT INTO stories (id, version, status, updated_at, title, head) VALUES ($1, $2, $3, $4, $5, $6)", values);
        } catch (error) {
          if (isUniqueViolation(error)) throw new ReducerError("story_exists", `Story "${storyId}" already exists.`);
          throw error;
        }
      },
      saveEntries: async ({ upserts, removals }) => {
        // Removals first: an entry removed and added again in one version would go last, as in the snapshot.
        if (removals.length) await client.query("DELETE FROM story_entries WHERE story_id = $1 AND entry_id = ANY($2::text[])", [storyId, removals]);
        if (!upserts.length) return;
        await client.query(
          `INSERT INTO story_entries (story_id, entry_id, entry) SELECT $1, id, entry FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS e(id, entry, n) ORDER BY n
           ON CONFLICT (story_id, entry_id) DO UPDATE SET entry = excluded.entry`,
          [storyId, upserts.map((row) => row.id), upserts.map((row) => row.json)],
        );
      },
      insertVersion: async (version, operation, summary, ops) => {
        await client.query("INSERT INTO versions (story_id, version, at, author, summary, ops) VALUES ($1, $2, $3, $4, $5, $6)", [
          storyId,
          version,
          operation.at,
          JSON.stringify(operation.author),
          summary,
          JSON.stringify(ops),
        ]);
      },
      insertRemovals: (removals) => insertRemovals(client, storyId, removals),
      insertCheckpoint: async (version, json) => {
        await client.query("INSERT INTO checkpoints (story_id, version, snapshot) VALUES ($1, $2, $3)", [storyId, version, json]);
      },
      completeKey: (scope, key, response) => this.#completeKey(client, scope, key, response),
      insertAlerts: (alerts) => insertAlerts(client, storyId, alerts),
      answerQuestion: (id, entryId) => this.questions.answer(client, storyId, id, entryId),
    };
  }

  async claimIdempotencyKey(claim: IdempotencyClaim, leaseMs: number): Promise<ClaimOutcome> {
    return inTransaction(this.#pool, async (client): Promise<ClaimOutcome> => {
      // Up to a few rounds: a key seen taken may be released before it can be locked.
      for (let round = 0; round < 5; round++) {
        // A concurrent claim of the same key waits here for the other transaction, then conflicts.
        const inserted = await client.query(
          `INSERT INTO idempotency_keys (scope, key, fingerprint, state, touched_at) VALUES ($1, $2, $3, 'in_flight', ${NOW_MS})
           ON CONFLICT (scope, key) DO NOTHING`,
          [claim.scope, claim.key, claim.fingerprint],
        );
        if (inserted.rowCount === 1) return { kind: "claimed" };
        const { rows: [row] } = await client.query<{ fingerprint: string; state: string; response: string | null; touched_at: string; now: string }>(
          `SELECT fingerprint, state, response, touched_at, ${NOW_MS} AS now FROM idempotency_keys WHERE scope = $1 AND key = $2 FOR UPDATE`,
          [claim.scope, claim.key],
        );
        if (!row) continue;
        if (row.fingerprint !== claim.fingerprint) return { kind: "mismatch" };
        if (row.state === "done") return { kind: "replay", response: JSON.parse(row.response!) as StoredResponse };
        // An in-flight claim whose lease ran out belongs to a request that died; take it over.
        if (Number(row.now) - Number(row.touched_at) < leaseMs) return { kind: "in_flight" };
        await client.query(
          `UPDATE idempotency_keys SET fingerprint = $3, state = 'in_flight', response = NULL, touched_at = ${NOW_MS} WHERE scope = $1 AND key = $2`,
          [claim.scope, claim.key, claim.fingerprint],
        );
        return { kind: "claimed" };
      }
      throw new Error("The idempotency key kept changing while it was being claimed.");
    });
  }

  async completeIdempotencyKey(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.#completeKey(this.#pool, scope, key, response);
  }

  async releaseIdempotencyKey(scope: string, key: string): Promise<void> {
    await this.#pool.query("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'in_flight'", [scope, key]);
  }

  async idempotencyOutcome(scope: string, key: string): Promise<KeyOutcome | undefined> {
    const { rows: [row] } = await this.#pool.query<{ state: string; response: string | null; touched_at: string }>(
      "SELECT state, response, touched_at FROM idempotency_keys WHERE scope = $1 AND key = $2",
      [scope, key],
    );
    return row && keyOutcome(row.state, row.response, Number(row.touched_at));
  }

  async purgeIdempotencyKeys(olderThanMs: number): Promise<number> {
    const result = await this.#pool.query(`DELETE FROM idempotency_keys WHERE state = 'done' AND touched_at < ${NOW_MS} - $1::bigint`, [
      Math.trunc(olderThanMs),
    ]);
    return result.rowCount ?? 0;
  }

  async ping(): Promise<void> {
    await this.#pool.query("SELECT 1");
  }

  async close(): Promise<void> {
    this.#closing ??= this.#pool.end();
    await this.#closing;
  }

  /**
   * How many stories there are, for a creation. Creations take turns on a transaction-scoped
   * advisory lock (keyed by this schema's stories table, so installations do not share it): each
   * counts only after the previous creation has committed or rolled back, so two nodes cannot
   * both take the last place. Writes to existing stories never take it.
   */
  async #countForACreation(client: pg.PoolClient): Promise<number> {
    await client.query("SELECT pg_advisory_xact_lock('stories'::regclass::oid::bigint)");
    const { rows: [row] } = await client.query<{ count: string }>("SELECT count(*) AS count FROM stories");
    return Number(row!.count);
  }

  async #exists(storyId: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query("SELECT 1 FROM stories WHERE id = $1", [storyId]);
    return (rowCount ?? 0) > 0;
  }

  async #completeKey(db: pg.Pool | pg.PoolClient, scope: string, key: string, response: StoredResponse): Promise<void> {
    await db.query(`UPDATE idempotency_keys SET state = 'done', response = $1, touched_at = ${NOW_MS} WHERE scope = $2 AND key = $3`, [
      JSON.stringify(response),
      scope,
      key,
    ]);
  }
}
