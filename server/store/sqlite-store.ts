import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { HistoryItem } from "../../shared/api.js";
import type { Snapshot, StorySummary } from "../../shared/story.js";
import { commitRules, runSync, type CommitRows } from "./commit-rules.js";
import { RebuiltVersions } from "./rebuilt-versions.js";
import { keyOutcome, removalsInLog, toHistoryItem, toRemovedEntry, toVersionOps, type RemovalRow } from "./rows.js";
import { assemble, headJson } from "./story-pieces.js";
import { SqliteAccounts } from "./sqlite-accounts.js";
import { addMediaColumns, MEDIA_INDEXES, MEDIA_TABLES, SqliteMedia } from "./sqlite-media.js";
import { PUSH_TABLES, SqlitePush } from "./sqlite-push.js";
import { SQLITE_QUESTION_TABLES, SqliteQuestions } from "./sqlite-questions.js";
import { SCHEDULED_TABLE, SqliteScheduled } from "./sqlite-scheduled.js";
import { guardStorage } from "./storage-guard.js";
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

const removalsTable = `
CREATE TABLE IF NOT EXISTS removals (
  story_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  entry_id TEXT NOT NULL,
  at TEXT NOT NULL,
  author TEXT NOT NULL,
  published_at TEXT NOT NULL,
  PRIMARY KEY (story_id, version, entry_id)
) WITHOUT ROWID;
`;

/** The latest entries of each story, one row each (story-pieces.ts); `seq` keeps the order they were added in. */
const entriesTable = `
CREATE TABLE IF NOT EXISTS story_entries (
  seq INTEGER PRIMARY KEY,
  story_id TEXT NOT NULL,
  entry_id TEXT NOT NULL,
  entry TEXT NOT NULL,
  UNIQUE (story_id, entry_id)
);
CREATE INDEX IF NOT EXISTS story_entries_in_order ON story_entries (story_id, seq);
`;

/**
 * The schema as a fresh database gets it. The stories table carries the fields of the story list
 * in columns of their own (written with each commit), so listing never parses a snapshot; its
 * latest state is kept in pieces (the head in the story's row, each entry in a row of its own), so
 * a write stores what it changed; each entry removal is recorded with its commit, so the feeds
 * never rebuild old versions.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS stories (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  head TEXT NOT NULL
);
${entriesTable}
CREATE TABLE IF NOT EXISTS versions (
  story_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  at TEXT NOT NULL,
  author TEXT NOT NULL,
  summary TEXT NOT NULL,
  ops TEXT NOT NULL,
  PRIMARY KEY (story_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  story_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  PRIMARY KEY (story_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
  response TEXT,
  touched_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
${removalsTable}
${MEDIA_TABLES}
${MEDIA_INDEXES}
${SCHEDULED_TABLE}
${PUSH_TABLES}
${SQLITE_QUESTION_TABLES}`;

/**
 * What a database written by an earlier release lacks, step by step; `PRAGMA user_version` counts
 * the steps a file has (a fresh one is created with all of them). Like PostgreSQL's migrations
 * (pg-migrations.ts), a released step is never edited: a change is a new step at the end.
 */
const UPGRADES: readonly ((db: Database.Database) => void)[] = [
  // 1: the story list's title in a column; removals recorded (the log replayed once to find the old ones).
  (db) => {
    db.exec(`ALTER TABLE stories ADD COLUMN title TEXT NOT NULL DEFAULT ''`);
    db.exec(`UPDATE stories SET title = json_extract(snapshot, '$.title')`);
    db.exec(removalsTable);
    const first = db.prepare<[string], { snapshot: string }>("SELECT snapshot FROM checkpoints WHERE story_id = ? ORDER BY version LIMIT 1");
    const log = db.prepare<[string, number], { version: number; at: string; author: string; ops: string }>(
      "SELECT version, at, author, ops FROM versions WHERE story_id = ? AND version > ? ORDER BY version",
    );
    const insert = db.prepare("INSERT OR IGNORE INTO removals (story_id, version, entry_id, at, author, published_at) VALUES (?, ?, ?, ?, ?, ?)");
    // Only stories whose log may remove an entry need the replay.
    const candidates = db.prepare<[], { story_id: string }>(`SELECT DISTINCT story_id FROM versions WHERE ops LIKE '%"remove"%'`).all();
    for (const { story_id: storyId } of candidates) {
      const checkpoint = first.get(storyId);
      if (!checkpoint) continue;
      const snapshot = JSON.parse(checkpoint.snapshot) as Snapshot;
      for (const removal of removalsInLog(snapshot, log.iterate(storyId, snapshot.version))) {
        insert.run(storyId, removal.version, removal.entryId, removal.at, JSON.stringify(removal.author), removal.publishedAt);
      }
    }
  },
  // 2: uploaded images.
  (db) => db.exec(MEDIA_TABLES),
  // 3: scheduled entries.
  (db) => db.exec(SCHEDULED_TABLE),
  // 4: the latest snapshot in pieces: each story's head in its row, its entries in rows of their own.
  (db) => {
    db.exec(entriesTable);
    db.exec(`ALTER TABLE stories ADD COLUMN head TEXT NOT NULL DEFAULT ''`);
    const insert = db.prepare("INSERT INTO story_entries (story_id, entry_id, entry) VALUES (?, ?, ?)");
    const setHead = db.prepare("UPDATE stories SET head = ? WHERE id = ?");
    const stories = db.prepare<[], { id: string; snapshot: string }>("SELECT id, snapshot FROM stories").all();
    for (const { id, snapshot: json } of stories) {
      const snapshot = JSON.parse(json) as Snapshot;
      for (const entry of Object.values(snapshot.entries)) insert.run(id, entry.id, JSON.stringify(entry));
      setHead.run(headJson(snapshot), id);
    }
    db.exec("ALTER TABLE stories DROP COLUMN snapshot");
  },
  // 5: who uploaded each image, its size, and whether it was taken down.
  addMediaColumns,
  // 6: Web Push keys, subscriptions and outbox.
  (db) => db.exec(PUSH_TABLES),
  // 7: readers' questions, spent proofs of work, spammers' keys, stories closed to questions.
  (db) => db.exec(SQLITE_QUESTION_TABLES),
];

/** The `user_version` of a file this build made or upgraded: a file with a higher one comes from a newer build. */
export const SQLITE_SCHEMA_VERSION = UPGRADES.length;

/** Creates the schema, or brings an older file up to it, in one transaction (a second process waits its turn). */
function prepareSchema(db: Database.Database): void {
  db.transaction(() => {
    const fresh = !db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stories'").get();
    const from = fresh ? UPGRADES.length : (db.pragma("user_version", { simple: true }) as number);
    if (fresh) db.exec(SCHEMA);
    for (const upgrade of UPGRADES.slice(from)) upgrade(db);
    db.pragma(`user_version = ${UPGRADES.length}`);
  }).immediate();
}

/**
 * SQLite's own page cache per connection, in KiB (its default is 16 MB). What readers follow is
 * kept parsed in memory above the store; the store reads cold things (old versions, accounts,
 * drafts) whose pages the kernel caches anyway, so a bigger cache only doubles them in the
 * process, filling as the file grows: a soak read it as memory rising for an hour (issue 28).
 */
const PAGE_CACHE_KIB = 2048;

/**
 * A connection as the store uses it. `synchronous` and `busy_timeout` belong to the connection,
 * not the file, so nobody else can see them: the tests check them here.
 */
export function openDatabase(file: string): Database.Database {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  return db;
}

/**
 * The SQLite result codes of a disk that cannot take writes, extended ones included
 * (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED…), as better-sqlite3 names them.
 */
export function sqliteDiskFailure(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)(_[A-Z_]+)?$/.test(code) ? code : undefined;
}

/** How many stories' parsed latest snapshots the store keeps (least recently used go first). */
const PARSED_STORIES = 100;

/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a commit has reached
 * the disk before it is acknowledged and survives a kill -9 or a power cut. better-sqlite3 is
 * synchronous, so each commit is one uninterrupted transaction; BEGIN IMMEDIATE also keeps
 * versions gap-free if a second process opens the same file.
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly accounts: SqliteAccounts;
  readonly media: SqliteMedia;
  readonly scheduled: SqliteScheduled;
  readonly push: SqlitePush;
  readonly questions: SqliteQuestions;
  readonly #sql;
  /** Parsed latest snapshots, trusted only while the file's version matches (another process may write). */
  readonly #parsed = new Map<string, Snapshot>();
  readonly #rebuilt = new RebuiltVersions();
  readonly caches = new Map([["rebuilt-versions", this.#rebuilt]]);

  constructor(file: string) {
    const db = openDatabase(file);
    prepareSchema(db);
    this.#db = db;
    this.accounts = new SqliteAccounts(db);
    this.media = new SqliteMedia(db);
    this.push = new SqlitePush(db);
    this.questions = new SqliteQuestions(db);
    this.scheduled = new SqliteScheduled(db, this.accounts, {
      rows: (storyId) => this.#rows(storyId),
      completeKey: (scope, key, response) => void this.#sql.completeKey.run(JSON.stringify(response), Date.now(), scope, key),
      committed: (committed) => void this.#remember(committed.snapshot),
    });
    this.#sql = {
      list: db.prepare<[], StorySummary>(
        "SELECT id, title, status, version, updated_at AS updatedAt FROM stories ORDER BY status = 'live' DESC, updated_at DESC, id",
      ),
      head: db.prepare<[string], { head: string }>("SELECT head FROM stories WHERE id = ?"),
      entries: db.prepare<[string], string>("SELECT entry FROM story_entries WHERE story_id = ? ORDER BY seq").pluck(),
      upsertEntry: db.prepare(
        "INSERT INTO story_entries (story_id, entry_id, entry) VALUES (?, ?, ?) ON CONFLICT (story_id, entry_id) DO UPDATE SET entry = excluded.entry",
      ),
      deleteEntry: db.prepare("DELETE FROM story_entries WHERE story_id = ? AND entry_id = ?"),
      latestVersion: db.prepare<[string], { version: number }>("SELECT version FROM stories WHERE id = ?"),
      countStories: db.prepare<[], { count: number }>("SELECT count(*) AS count FROM stories"),
      publishImages: db.prepare<[string], string>("UPDATE media SET published = 1 WHERE removed_at IS NULL AND id IN (SELECT value FROM json_each(?)) RETURNING id").pluck(),
      checkpoint: db.prepare<[string, number], { version: number; snapshot: string }>(
        "SELECT version, snapshot FROM checkpoints WHERE story_id = ? AND version <= ? ORDER BY version DESC LIMIT 1",
      ),
      opsBetween: db.prepare<[string, number, number], string>(
        "SELECT ops FROM versions WHERE story_id = ? AND version > ? AND version <= ? ORDER BY version",
      ).pluck(),
      history: db.prepare<[string, number, number], { version: number; at: string; author: string; summary: string; ops: string }>(
        "SELECT version, at, author, summary, ops FROM versions WHERE story_id = ? AND version < ? ORDER BY version DESC LIMIT ?",
      ),
      factVersions: db.prepare<[string, string, number], { version: number; at: string; author: string; ops: string }>(
        "SELECT version, at, author, ops FROM versions WHERE story_id = ? AND instr(ops, ?) > 0 ORDER BY version DESC LIMIT ?",
      ),
      removals: db.prepare<[string], RemovalRow>(
        "SELECT entry_id, version, at, author, published_at FROM removals WHERE story_id = ? ORDER BY version DESC, entry_id",
      ),
      insertRemoval: db.prepare("INSERT INTO removals (story_id, version, entry_id, at, author, published_at) VALUES (?, ?, ?, ?, ?, ?)"),
      upsertStory: db.prepare(
        `INSERT INTO stories (id, version, status, updated_at, title, head) VALUES (@id, @version, @status, @updatedAt, @title, @head)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status,
           updated_at = excluded.updated_at, title = excluded.title, head = excluded.head`,
      ),
      insertVersion: db.prepare(
        "INSERT INTO versions (story_id, version, at, author, summary, ops) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      insertCheckpoint: db.prepare("INSERT INTO checkpoints (story_id, version, snapshot) VALUES (?, ?, ?)"),
      getKey: db.prepare<[string, string], { fingerprint: string; state: string; response: string | null; touched_at: number }>(
        "SELECT fingerprint, state, response, touched_at FROM idempotency_keys WHERE scope = ? AND key = ?",
      ),
      claimKey: db.prepare(
        `INSERT INTO idempotency_keys (scope, key, fingerprint, state, touched_at) VALUES (?, ?, ?, 'in_flight', ?)
         ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'in_flight', touched_at = excluded.touched_at`,
      ),
      completeKey: db.prepare(
        "UPDATE idempotency_keys SET state = 'done', response = ?, touched_at = ? WHERE scope = ? AND key = ?",
      ),
      releaseKey: db.prepare("DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND state = 'in_flight'"),
      purgeKeys: db.prepare("DELETE FROM idempotency_keys WHERE state = 'done' AND touched_at < ?"),
    };
    // What `new` gives is the guarded store: a full or read-only disk is StorageUnavailable.
    return guardStorage(this, sqliteDiskFailure);
  }

  async listStories(): Promise<StorySummary[]> {
    return this.#sql.list.all();
  }

  async latest(storyId: string): Promise<Snapshot | undefined> {
    return this.#latest(storyId);
  }

  async snapshotAt(storyId: string, version: number): Promise<Snapshot | undefined> {
    const latest = this.#latest(storyId);
    if (!latest || version > latest.version) return undefined;
    if (version === latest.version) return latest;
    return this.#rebuilt.get(storyId, version, async () => {
      const checkpoint = this.#sql.checkpoint.get(storyId, version);
      return checkpoint && { checkpoint: checkpoint.snapshot, ops: this.#sql.opsBetween.all(storyId, checkpoint.version, version) };
    });
  }

  async history(storyId: string, page: { before?: number; limit: number }): Promise<HistoryItem[] | undefined> {
    if (!this.#sql.latestVersion.get(storyId)) return undefined;
    return this.#sql.history
      .all(storyId, page.before ?? Number.MAX_SAFE_INTEGER, page.limit)
      .map(toHistoryItem);
  }

  async factVersions(storyId: string, limit: number): Promise<VersionOps[] | undefined> {
    if (!this.#sql.latestVersion.get(storyId)) return undefined;
    return this.#sql.factVersions.all(storyId, FACTS_PATH_MARK, limit).reverse().map(toVersionOps);
  }

  async removedEntries(storyId: string): Promise<RemovedEntry[] | undefined> {
    if (!this.#sql.latestVersion.get(storyId)) return undefined;
    return this.#sql.removals.all(storyId).map(toRemovedEntry);
  }

  async commit(request: CommitRequest): Promise<Committed> {
    const committed = this.#db.transaction(() => runSync(commitRules(this.#rows(request.storyId), request))).immediate();
    if (committed.changed) this.#remember(committed.snapshot); // only once the transaction has committed
    return committed;
  }

  /** The commit's rows, for `commitRules`; the transaction (BEGIN IMMEDIATE) holds the whole file. */
  #rows(storyId: string): CommitRows {
    const sql = this.#sql;
    return {
      takeDraft: (id, revision) => this.accounts.takeDraft(storyId, id, revision),
      recordClosed: (closed) => this.accounts.recordClosed(closed),
      latest: () => this.#latest(storyId),
      publishImages: (ids) => sql.publishImages.all(JSON.stringify(ids)),
      countStories: () => sql.countStories.get()!.count,
      saveStory: (snapshot, head) => {
        sql.upsertStory.run({ id: storyId, version: snapshot.version, status: snapshot.status, updatedAt: snapshot.updatedAt, title: snapshot.title, head });
      },
      saveEntries: ({ upserts, removals }) => {
        // Removals first: an entry removed and added again in one version would go last, as in the snapshot.
        for (const entryId of removals) sql.deleteEntry.run(storyId, entryId);
        for (const row of upserts) sql.upsertEntry.run(storyId, row.id, row.json);
      },
      insertVersion: (version, operation, summary, ops) => {
        sql.insertVersion.run(storyId, version, operation.at, JSON.stringify(operation.author), summary, JSON.stringify(ops));
      },
      insertRemovals: (removals) => {
        for (const removal of removals) {
          sql.insertRemoval.run(storyId, removal.version, removal.entryId, removal.at, JSON.stringify(removal.author), removal.publishedAt);
        }
      },
      insertCheckpoint: (version, json) => {
        sql.insertCheckpoint.run(storyId, version, json);
      },
      completeKey: (scope, key, response) => {
        sql.completeKey.run(JSON.stringify(response), Date.now(), scope, key);
      },
      insertAlerts: (alerts) => this.push.insertAlerts(storyId, alerts),
      answerQuestion: (id, entryId) => this.questions.answer(storyId, id, entryId),
    };
  }

  async claimIdempotencyKey(claim: IdempotencyClaim, leaseMs: number): Promise<ClaimOutcome> {
    return this.#db
      .transaction((): ClaimOutcome => {
        const now = Date.now();
        const row = this.#sql.getKey.get(claim.scope, claim.key);
        if (row) {
          if (row.fingerprint !== claim.fingerprint) return { kind: "mismatch" };
          if (row.state === "done") return { kind: "replay", response: JSON.parse(row.response!) as StoredResponse };
          // An in-flight claim whose lease ran out belongs to a request that died; take it over.
          if (now - row.touched_at < leaseMs) return { kind: "in_flight" };
        }
        this.#sql.claimKey.run(claim.scope, claim.key, claim.fingerprint, now);
        return { kind: "claimed" };
      })
      .immediate();
  }

  async completeIdempotencyKey(scope: string, key: string, response: StoredResponse): Promise<void> {
    this.#sql.completeKey.run(JSON.stringify(response), Date.now(), scope, key);
  }

  async releaseIdempotencyKey(scope: string, key: string): Promise<void> {
    this.#sql.releaseKey.run(scope, key);
  }

  async idempotencyOutcome(scope: string, key: string): Promise<KeyOutcome | undefined> {
    const row = this.#sql.getKey.get(scope, key);
    return row && keyOutcome(row.state, row.response, row.touched_at);
  }

  async purgeIdempotencyKeys(olderThanMs: number): Promise<number> {
    return this.#sql.purgeKeys.run(Date.now() - olderThanMs).changes;
  }

  async ping(): Promise<void> {
    this.#db.prepare("SELECT 1").get();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /**
   * The latest snapshot; reading its version first spares reading and parsing a big story on every
   * write: while the version matches, the snapshot parsed (or committed) last is the latest.
   */
  #latest(storyId: string): Snapshot | undefined {
    const stored = this.#sql.latestVersion.get(storyId);
    if (!stored) return undefined;
    const parsed = this.#parsed.get(storyId);
    if (parsed?.version === stored.version) return parsed;
    // Read in one transaction, so another process's commit cannot come between head and entries.
    const snapshot = this.#db.transaction(() => {
      const row = this.#sql.head.get(storyId);
      return row && assemble(row.head, this.#sql.entries.iterate(storyId));
    })();
    return snapshot && this.#remember(snapshot);
  }

  #remember(snapshot: Snapshot): Snapshot {
    this.#parsed.delete(snapshot.id);
    this.#parsed.set(snapshot.id, snapshot);
    if (this.#parsed.size > PARSED_STORIES) this.#parsed.delete(this.#parsed.keys().next().value!);
    return snapshot;
  }
}
