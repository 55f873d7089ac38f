import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { Operation } from "../../shared/operations.js";
import { ReducerError } from "../../shared/reducer.js";
import { postgresUrl, requireService } from "../test/services.js";
import { describeAccountsContract } from "./accounts-contract.js";
import { describeDisplayNamesContract } from "./display-names-contract.js";
import { describeDraftPublishContract } from "./draft-publish-contract.js";
import { describeMediaContract } from "./media-contract.js";
import { describePushContract } from "./push-contract.js";
import { describeQuestionContract } from "./question-contract.js";
import { describeScheduledContract } from "./scheduled-contract.js";
import { migrate, MIGRATIONS, quoteIdentifier } from "./pg-migrations.js";
import { PostgresStore } from "./postgres-store.js";
import { describeStoreContract } from "./store-contract.js";
import { TooManyStories, VersionConflict } from "./store.js";

const hasPostgres = await requireService("postgres");

/** Every schema a test made, dropped at the end. */
const schemas: string[] = [];
const freshSchema = () => {
  const schema = `lt_test_${randomBytes(6).toString("hex")}`;
  schemas.push(schema);
  return schema;
};
const open = (schema: string) => PostgresStore.open(postgresUrl(), { schema });

/** Runs SQL in a schema from a connection of its own. */
async function inSchema(schema: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${quoteIdentifier(schema)}`);
    await client.query(sql);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
});

const author = { name: "Desk" };
let clock = 0;
const stamp = (op: Operation) => ({ ...op, at: new Date(Date.UTC(2026, 0, 1) + ++clock * 1000).toISOString(), author });
const add = (n: number): Operation => ({ type: "add_entry", entryId: `e_p${String(n).padStart(4, "0")}`, body: `Update ${n}`, kind: "update", pinned: false });
const createOp = (storyId: string): Operation => ({ type: "create_story", storyId, title: `Story ${storyId}`, summary: "" });

/** The layout of the release before story pieces (migration 8): each story's whole latest snapshot in its row. */
const WHOLE_SNAPSHOTS = `
ALTER TABLE stories ADD COLUMN snapshot text NOT NULL DEFAULT '';
UPDATE stories SET snapshot = jsonb_set(head::jsonb, '{entries}',
  coalesce((SELECT jsonb_object_agg(entry_id, entry::jsonb) FROM story_entries WHERE story_id = stories.id), '{}'))::text;
ALTER TABLE stories DROP COLUMN head;
DROP TABLE story_entries;
DELETE FROM schema_migrations WHERE version = 8`;

describe.skipIf(!hasPostgres)("PostgreSQL", () => {
  describeStoreContract("PostgreSQL", async () => {
    const schema = freshSchema();
    return {
      store: await open(schema),
      reopen: () => open(schema),
      wholeSnapshots: () => inSchema(schema, WHOLE_SNAPSHOTS),
      downgrade: () => inSchema(schema, `${WHOLE_SNAPSHOTS}; DROP TABLE removals; ALTER TABLE stories DROP COLUMN title; DELETE FROM schema_migrations WHERE version = 5`),
      exec: (sql) => inSchema(schema, sql),
    };
  });
  describeAccountsContract("PostgreSQL", () => open(freshSchema()));
  describeDisplayNamesContract("PostgreSQL", async () => {
    const schema = freshSchema();
    const store = await open(schema);
    return {
      accounts: store.accounts,
      close: () => store.close(),
      reopen: () => open(schema),
      exec: (sql) => inSchema(schema, sql),
      beforeFolds: "DROP INDEX users_display_name_fold; ALTER TABLE users DROP COLUMN display_name_fold; DELETE FROM schema_migrations WHERE version = 11",
    };
  });
  describeMediaContract("PostgreSQL", async () => {
    const schema = freshSchema();
    return { store: await open(schema), reopen: () => open(schema) };
  });
  describeDraftPublishContract("PostgreSQL, two nodes on one schema", async () => {
    const schema = freshSchema();
    return { store: await open(schema), second: () => open(schema) };
  });
  describeScheduledContract("PostgreSQL, two nodes on one schema", async () => {
    const schema = freshSchema();
    return { store: await open(schema), second: () => open(schema) };
  });
  describePushContract("PostgreSQL, two nodes on one schema", async () => {
    const schema = freshSchema();
    return { store: await open(schema), second: () => open(schema) };
  });
  describeQuestionContract("PostgreSQL, two nodes on one schema", async () => {
    const schema = freshSchema();
    return { store: await open(schema), second: () => open(schema) };
  });

  it("gives accounts and tokens of a schema from before display names, scopes and desk languages (migration 9) their login name, `write` and the English desk", async () => {
    const schema = freshSchema();
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      const before = MIGRATIONS.filter((m) => m.version <= 2);
      expect(await migrate(client, schema, before)).toEqual([1, 2]);
      await client.query(`INSERT INTO ${quoteIdentifier(schema)}.users (id, username, role, password_hash, created_at) VALUES ('u_1', 'olga', 'editor', 'x', '2026-01-01T00:00:00.000Z')`);
      await client.query(`INSERT INTO ${quoteIdentifier(schema)}.api_tokens (id, name, owner_id, secret_hash, created_at) VALUES ('t_1', 'Wire', 'u_1', 'h1', '2026-01-01T00:00:00.000Z')`);
    } finally {
      await client.end();
    }
    const store = await open(schema);
    try {
      expect(await store.accounts.userById("u_1")).toMatchObject({ username: "olga", displayName: "olga", deskLanguage: "en" });
      expect(await store.accounts.tokenBySecretHash("h1")).toMatchObject({ id: "t_1", scopes: ["write"] });
      // Migration 12: a token from before write budgets keeps its owner's.
      expect(await store.accounts.tokenBySecretHash("h1")).not.toHaveProperty("writesPerMinute");
    } finally {
      await store.close();
    }
  });

  it("gives images of a schema from before uploaders (migration 10) no known uploader, their variants' size, and counts them published", async () => {
    const schema = freshSchema();
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    const id = `m_${"b".repeat(32)}`;
    try {
      await migrate(client, schema, MIGRATIONS.filter((m) => m.version <= 9));
      await client.query(`INSERT INTO ${quoteIdentifier(schema)}.media (id, width, height, placeholder, created_at) VALUES ($1, 2, 1, '#000000', '2026-01-01T00:00:00.000Z')`, [id]);
      await client.query(`INSERT INTO ${quoteIdentifier(schema)}.media_variants (media_id, name, format, bytes) VALUES ($1, 480, 'jpeg', $2), ($1, 480, 'webp', $3)`, [id, Buffer.alloc(300), Buffer.alloc(200)]);
    } finally {
      await client.end();
    }
    const store = await open(schema);
    try {
      expect(await store.media.record(id)).toEqual({ id, width: 2, height: 1, placeholder: "#000000", createdAt: "2026-01-01T00:00:00.000Z", bytes: 500 });
      expect(await store.media.collectUnreferenced("2027-01-01T00:00:00.000Z", 10)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  describe("PostgresStore on several nodes", () => {
    /** Two stores on one schema: two pools, as two nodes would have. */
    const twoNodes = async () => {
      const schema = freshSchema();
      const a = await open(schema);
      const b = await open(schema);
      return { schema, a, b, nodes: [a, b], close: () => Promise.all([a.close(), b.close()]) };
    };

    it("assigns gap-free versions to concurrent commits from two nodes", async () => {
      const { a, nodes, close } = await twoNodes();
      try {
        await a.commit({ storyId: "s", operation: stamp(createOp("s")) });
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, n) => nodes[n % 2]!.commit({ storyId: "s", operation: stamp(add(n)) })),
        );
        const versions = results.map((r) => r.snapshot.version).sort((x, y) => x - y);
        expect(versions).toEqual(Array.from({ length: 40 }, (_, n) => n + 2));
        // Each commit saw exactly the version before its own.
        for (const result of results) expect(result.previous?.version).toBe(result.snapshot.version - 1);
        for (const node of nodes) {
          const history = await node.history("s", { limit: 100 });
          expect(history?.map((h) => h.version)).toEqual(Array.from({ length: 41 }, (_, n) => 41 - n));
          const latest = await node.latest("s");
          expect(latest?.version).toBe(41);
          expect(Object.keys(latest!.entries)).toHaveLength(40);
        }
        for (const result of results) expect(await nodes[1]!.snapshotAt("s", result.snapshot.version)).toEqual(result.snapshot);
      } finally {
        await close();
      }
    });

    it("migrates one fresh schema from two nodes starting at once", async () => {
      const schema = freshSchema();
      const stores = await Promise.all([open(schema), open(schema), open(schema)]);
      try {
        const client = new pg.Client({ connectionString: postgresUrl() });
        await client.connect();
        try {
          const { rows } = await client.query(`SELECT version FROM ${quoteIdentifier(schema)}.schema_migrations ORDER BY version`);
          expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
        } finally {
          await client.end();
        }
        await stores[0]!.commit({ storyId: "s", operation: stamp(createOp("s")) });
        expect((await stores[2]!.latest("s"))?.version).toBe(1);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });

    it("lets exactly one of many concurrent claims of a key win, across nodes", async () => {
      const { nodes, close } = await twoNodes();
      try {
        const claim = { scope: "p", key: "same-key", fingerprint: "f" };
        const outcomes = await Promise.all(Array.from({ length: 12 }, (_, n) => nodes[n % 2]!.claimIdempotencyKey(claim, 30_000)));
        expect(outcomes.filter((o) => o.kind === "claimed")).toHaveLength(1);
        expect(outcomes.filter((o) => o.kind === "in_flight")).toHaveLength(11);
      } finally {
        await close();
      }
    });

    it("holds MAX_STORIES across nodes creating stories at once", async () => {
      const { nodes, close } = await twoNodes();
      try {
        const limits = { maxEntries: 100, maxStories: 4 };
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, n) => nodes[n % 2]!.commit({ storyId: `s${n}`, operation: stamp(createOp(`s${n}`)), limits })),
        );
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(4);
        for (const r of results) if (r.status === "rejected") expect(r.reason).toEqual(new TooManyStories(4));
        for (const node of nodes) expect(await node.listStories()).toHaveLength(4);
      } finally {
        await close();
      }
    });

    it("holds MAX_ENTRIES_PER_STORY across nodes writing one story at once", async () => {
      const { a, nodes, close } = await twoNodes();
      try {
        await a.commit({ storyId: "s", operation: stamp(createOp("s")) });
        const limits = { maxEntries: 7, maxStories: 100 };
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, n) => nodes[n % 2]!.commit({ storyId: "s", operation: stamp(add(n)), limits })),
        );
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(7);
        for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "too_many_entries" });
        expect(Object.keys((await nodes[1]!.latest("s"))!.entries)).toHaveLength(7);
      } finally {
        await close();
      }
    });

    it("lets exactly one node create a story of a given id", async () => {
      const { nodes, close } = await twoNodes();
      try {
        const results = await Promise.allSettled(Array.from({ length: 6 }, (_, n) => nodes[n % 2]!.commit({ storyId: "s", operation: stamp(createOp("s")) })));
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        for (const r of results) {
          if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "story_exists" });
          if (r.status === "rejected") expect(r.reason).toBeInstanceOf(ReducerError);
        }
        expect(await nodes[0]!.history("s", { limit: 10 })).toHaveLength(1);
      } finally {
        await close();
      }
    });

    it("keeps the draft and completes no idempotency key when its publish fails", async () => {
      const { a, b, close } = await twoNodes();
      try {
        await a.commit({ storyId: "s", operation: stamp(createOp("s")) });
        await a.commit({ storyId: "s", operation: stamp(add(1)) });
        const draft = { id: "d_2", storyId: "s", authorId: "u_1", author: { name: "u1" }, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", body: "Draft", kind: "update" as const, pinned: false, revision: 1 };
        await a.accounts.createDraft(draft);
        expect(await a.claimIdempotencyKey({ scope: "p", key: "k", fingerprint: "f" }, 30_000)).toEqual({ kind: "claimed" });
        await expect(
          b.commit({
            storyId: "s",
            operation: stamp(add(7)),
            expectedVersion: 1,
            consumeDraft: { id: "d_2", revision: 1 },
            idempotency: { scope: "p", key: "k", respond: () => ({ status: 201, body: {} }) },
          }),
        ).rejects.toEqual(new VersionConflict(2));
        expect(await a.accounts.draft("s", "d_2")).toEqual(draft);
        expect(await a.accounts.closedDraft("s", "d_2")).toBeUndefined();
        expect(await a.claimIdempotencyKey({ scope: "p", key: "k", fingerprint: "f" }, 30_000)).toEqual({ kind: "in_flight" });
        expect((await a.latest("s"))?.version).toBe(2);
      } finally {
        await close();
      }
    });

    it("gives the drafts of a schema made before revisions revision 1, and edits and discards them", async () => {
      const schema = freshSchema();
      const old = { id: "d_old", storyId: "s", authorId: "u_1", author: { name: "u1" }, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", body: "Waiting since before", kind: "update", pinned: false };
      const client = new pg.Client({ connectionString: postgresUrl() });
      await client.connect();
      try {
        await migrate(client, schema, MIGRATIONS.filter((m) => m.version <= 2));
        await client.query(`INSERT INTO ${quoteIdentifier(schema)}.drafts (story_id, id, author_id, draft, created_at) VALUES ('s', 'd_old', 'u_1', $1, $2)`, [JSON.stringify(old), old.createdAt]);
      } finally {
        await client.end();
      }
      const store = await open(schema);
      try {
        expect(await store.accounts.draft("s", "d_old")).toEqual({ ...old, revision: 1 });
        expect(await store.accounts.editDraft("s", "d_old", { changes: { body: "Edited" }, at: "2026-02-01T00:00:00.000Z", expectedRevision: 1 })).toMatchObject({ body: "Edited", revision: 2 });
        await store.accounts.discardDraft("s", "d_old", { by: { name: "ed" }, at: "2026-02-01T00:00:00.000Z", expectedRevision: 2 });
        expect(await store.accounts.closedDraft("s", "d_old")).toMatchObject({ outcome: "discarded", by: { name: "ed" } });
      } finally {
        await store.close();
      }
    });

    it("closes idempotently and reports an unreachable database on ping", async () => {
      const store = await open(freshSchema());
      await store.ping();
      await store.close();
      await store.close();
      await expect(store.ping()).rejects.toThrow();
    });
  });
});
