import type pg from "pg";
import { nameFold } from "../../shared/display-names.js";
import type { Snapshot } from "../../shared/story.js";
import { insertRemovals } from "./pg-removals.js";
import { QUESTION_TABLES } from "./question-sql.js";
import { removalsInLog } from "./rows.js";
import { headJson } from "./story-pieces.js";

/**
 * The PostgreSQL schema, as an ordered list of steps. A step is never edited once released: a
 * change is a new step at the end. Each applied step is recorded in `schema_migrations`.
 *
 * JSON (snapshots, patches, authors, drafts, stored responses) is kept as text: it is only ever
 * read back whole, and text keeps it byte for byte as the reducer produced it. Timestamps of the
 * log are the ISO strings of the operations (as in the SQLite store); lease and session times are
 * milliseconds since the epoch (bigint).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Data the new schema needs that SQL alone cannot derive, filled in the same transaction after `sql`. */
  fill?: (client: pg.ClientBase) => Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "story log",
    sql: `
CREATE TABLE stories (
  id text PRIMARY KEY,
  version integer NOT NULL,
  status text NOT NULL,
  updated_at text NOT NULL,
  snapshot text NOT NULL
);
CREATE TABLE versions (
  story_id text NOT NULL,
  version integer NOT NULL,
  at text NOT NULL,
  author text NOT NULL,
  summary text NOT NULL,
  ops text NOT NULL,
  PRIMARY KEY (story_id, version)
);
CREATE TABLE checkpoints (
  story_id text NOT NULL,
  version integer NOT NULL,
  snapshot text NOT NULL,
  PRIMARY KEY (story_id, version)
);
CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_flight', 'done')),
  response text,
  touched_at bigint NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_done ON idempotency_keys (touched_at) WHERE state = 'done';
`,
  },
  {
    version: 2,
    name: "accounts",
    sql: `
CREATE TABLE users (
  id text PRIMARY KEY,
  username text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('admin', 'editor', 'contributor')),
  password_hash text NOT NULL,
  must_change_password boolean NOT NULL DEFAULT false,
  created_at text NOT NULL
);
CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at bigint NOT NULL,
  last_seen_at bigint NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE api_tokens (
  id text PRIMARY KEY,
  name text NOT NULL,
  owner_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  secret_hash text NOT NULL UNIQUE,
  created_at text NOT NULL,
  last_used_at text
);
CREATE INDEX api_tokens_by_owner ON api_tokens (owner_id);
CREATE TABLE drafts (
  story_id text NOT NULL,
  id text NOT NULL,
  author_id text NOT NULL,
  draft text NOT NULL,
  created_at text NOT NULL,
  PRIMARY KEY (story_id, id)
);
`,
  },
  {
    version: 3,
    name: "display names and token scopes",
    // Accounts keep their login name as display name; tokens keep what they could do: write.
    sql: `
ALTER TABLE users ADD COLUMN display_name text;
UPDATE users SET display_name = username;
ALTER TABLE users ALTER COLUMN display_name SET NOT NULL;
ALTER TABLE api_tokens ADD COLUMN scopes text NOT NULL DEFAULT 'write';
`,
  },
  {
    version: 4,
    name: "draft revisions and closed drafts",
    sql: `
ALTER TABLE drafts ADD COLUMN revision integer NOT NULL DEFAULT 1;
CREATE TABLE closed_drafts (
  story_id text NOT NULL,
  id text NOT NULL,
  author_id text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('published', 'discarded')),
  by_name text NOT NULL,
  at text NOT NULL,
  entry_id text,
  PRIMARY KEY (story_id, id)
);
`,
  },
  {
    version: 5,
    name: "story list columns and recorded removals",
    sql: `
ALTER TABLE stories ADD COLUMN title text NOT NULL DEFAULT '';
UPDATE stories SET title = snapshot::json->>'title';
CREATE TABLE removals (
  story_id text NOT NULL,
  version integer NOT NULL,
  entry_id text NOT NULL,
  at text NOT NULL,
  author text NOT NULL,
  published_at text NOT NULL,
  PRIMARY KEY (story_id, version, entry_id)
);
`,
    // Removals committed before this step: each story's log replayed once from its first checkpoint.
    fill: async (client) => {
      const { rows: stories } = await client.query<{ story_id: string }>(`SELECT DISTINCT story_id FROM versions WHERE ops LIKE '%"remove"%'`);
      for (const { story_id: storyId } of stories) {
        const { rows: [first] } = await client.query<{ snapshot: string }>(
          "SELECT snapshot FROM checkpoints WHERE story_id = $1 ORDER BY version LIMIT 1",
          [storyId],
        );
        if (!first) continue;
        const snapshot = JSON.parse(first.snapshot) as Snapshot;
        const { rows: log } = await client.query<{ version: number; at: string; author: string; ops: string }>(
          "SELECT version, at, author, ops FROM versions WHERE story_id = $1 AND version > $2 ORDER BY version",
          [storyId, snapshot.version],
        );
        await insertRemovals(client, storyId, removalsInLog(snapshot, log));
      }
    },
  },
  {
    version: 6,
    name: "media",
    // Variants are bytea (TOASTed out of line, each well under its 1 GB bound); images never change.
    sql: `
CREATE TABLE media (
  id text PRIMARY KEY,
  width integer NOT NULL,
  height integer NOT NULL,
  placeholder text NOT NULL,
  created_at text NOT NULL
);
CREATE TABLE media_variants (
  media_id text NOT NULL REFERENCES media (id),
  name integer NOT NULL,
  format text NOT NULL,
  bytes bytea NOT NULL,
  PRIMARY KEY (media_id, name, format)
);
`,
  },
  {
    version: 7,
    name: "scheduled entries",
    // The item is JSON; its time (ISO text, compared in the "C" collation) and state are columns for the poller.
    sql: `
CREATE TABLE scheduled_entries (
  story_id text NOT NULL,
  id text NOT NULL,
  publish_at text COLLATE "C" NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'published', 'failed')),
  item text NOT NULL,
  PRIMARY KEY (story_id, id)
);
CREATE INDEX scheduled_entries_due ON scheduled_entries (publish_at) WHERE state = 'pending';
`,
  },
  {
    version: 8,
    name: "latest snapshots in pieces",
    // Each story's head in its row and its entries in rows of their own (story-pieces.ts), so that a
    // write stores what it changed; `seq` keeps the order entries were added in.
    sql: `
CREATE TABLE story_entries (
  story_id text NOT NULL,
  entry_id text NOT NULL,
  seq bigserial NOT NULL,
  entry text NOT NULL,
  PRIMARY KEY (story_id, entry_id)
);
CREATE INDEX story_entries_in_order ON story_entries (story_id, seq);
ALTER TABLE stories ADD COLUMN head text;
`,
    fill: async (client) => {
      const { rows: stories } = await client.query<{ id: string; snapshot: string }>("SELECT id, snapshot FROM stories");
      for (const { id, snapshot: json } of stories) {
        const snapshot = JSON.parse(json) as Snapshot;
        const entries = Object.values(snapshot.entries);
        await client.query(
          "INSERT INTO story_entries (story_id, entry_id, entry) SELECT $1, id, entry FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS e(id, entry, n) ORDER BY n",
          [id, entries.map((entry) => entry.id), entries.map((entry) => JSON.stringify(entry))],
        );
        await client.query("UPDATE stories SET head = $2 WHERE id = $1", [id, headJson(snapshot)]);
      }
      await client.query("ALTER TABLE stories ALTER COLUMN head SET NOT NULL, DROP COLUMN snapshot");
    },
  },
  {
    version: 9,
    name: "desk languages",
    // Every account made before it gets the English desk. No CHECK of the languages: the API
    // judges them (shared/api.ts), so a new catalog needs no migration.
    sql: `ALTER TABLE users ADD COLUMN desk_language text NOT NULL DEFAULT 'en';`,
  },
  {
    version: 10,
    name: "media uploaders, sizes, publication and takedowns",
    // Images stored before have no known uploader; their size is counted once from their variants;
    // they count as published (an old version may show them), so none is ever collected.
    sql: `
ALTER TABLE media ADD COLUMN uploader text, ADD COLUMN bytes bigint NOT NULL DEFAULT 0, ADD COLUMN removed_at text,
  ADD COLUMN published boolean NOT NULL DEFAULT false;
UPDATE media SET published = true, bytes = (SELECT coalesce(sum(octet_length(v.bytes)), 0) FROM media_variants v WHERE v.media_id = media.id);
CREATE INDEX media_by_uploader ON media (uploader, created_at);
CREATE INDEX media_unpublished ON media (created_at COLLATE "C") WHERE NOT published AND removed_at IS NULL;
`,
  },
  {
    version: 11,
    name: "display names unique after folding",
    // The fold (shared/display-names.ts) is computed here, so it is filled in JavaScript, oldest
    // account first; one whose name folds like an older one's keeps NULL until it is renamed.
    sql: `ALTER TABLE users ADD COLUMN display_name_fold text;`,
    fill: async (client) => {
      const { rows: users } = await client.query<{ id: string; display_name: string }>("SELECT id, display_name FROM users ORDER BY created_at, id");
      const taken = new Set<string>();
      for (const { id, display_name } of users) {
        const fold = nameFold(display_name);
        if (taken.has(fold)) continue;
        taken.add(fold);
        await client.query("UPDATE users SET display_name_fold = $2 WHERE id = $1", [id, fold]);
      }
      await client.query("CREATE UNIQUE INDEX users_display_name_fold ON users (display_name_fold)");
    },
  },
  {
    version: 12,
    name: "API tokens' own write budgets",
    // Tokens made before have none: they keep their owner's, as they always had.
    sql: `ALTER TABLE api_tokens ADD COLUMN writes_per_minute integer;`,
  },
  {
    version: 13,
    name: "web push: keys, subscriptions, outbox",
    // Times are milliseconds since the epoch (bigint), like the leases of idempotency keys.
    sql: `
CREATE TABLE push_keys (
  id integer PRIMARY KEY CHECK (id = 1),
  public_key text NOT NULL,
  private_key text NOT NULL
);
CREATE TABLE push_subscriptions (
  id bigserial PRIMARY KEY,
  story_id text NOT NULL,
  endpoint text NOT NULL,
  p256dh text NOT NULL,
  auth text NOT NULL,
  UNIQUE (story_id, endpoint)
);
CREATE INDEX push_subscriptions_endpoint ON push_subscriptions (endpoint);
CREATE TABLE push_outbox (
  id bigserial PRIMARY KEY,
  story_id text NOT NULL,
  entry_id text NOT NULL,
  version integer NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'sending', 'done', 'collapsed', 'dropped')),
  holder text,
  lease_until bigint,
  started_at bigint,
  cursor bigint NOT NULL DEFAULT 0,
  sent integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  removed integer NOT NULL DEFAULT 0
);
CREATE INDEX push_outbox_open ON push_outbox (story_id, id) WHERE state IN ('pending', 'sending');
CREATE INDEX push_outbox_entry ON push_outbox (story_id, entry_id);
`,
  },
  {
    version: 14,
    name: "readers' questions",
    sql: QUESTION_TABLES({ bigint: "bigint" }),
  },
];

/** Quotes an SQL identifier (a schema name from configuration, never from a request). */
export const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Creates `schema` if missing and applies the steps it lacks, all in one transaction. A
 * transaction-scoped advisory lock (per schema) makes nodes that start at the same time take
 * turns: the first applies the steps, the others then find them recorded and apply nothing.
 * Returns the versions applied by this call.
 */
export async function migrate(client: pg.ClientBase, schema: string, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version <= migrations[i - 1]!.version) throw new Error("Migrations must be in strictly increasing order.");
  }
  const quoted = quoteIdentifier(schema);
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('live-ticker schema'), hashtext($1))", [schema]);
    // Under the lock, so that concurrent starts do not race on the catalog either.
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`SET LOCAL search_path TO ${quoted}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migrations");
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await migration.fill?.(client);
      await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query("COMMIT");
    return applied;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
