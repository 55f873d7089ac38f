import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { EntryResponse, ErrorResponse, HistoryResponse, VersionResponse } from "../../shared/api.js";
import type { Snapshot } from "../../shared/story.js";
import { createApp, type App } from "../app.js";
import { loadConfig } from "../config.js";
import pg from "pg";
import type { Draft } from "../../shared/accounts.js";
import { quoteIdentifier } from "../store/pg-migrations.js";
import { PostgresStore } from "../store/postgres-store.js";
import { SqliteStore } from "../store/sqlite-store.js";
import type { Store } from "../store/store.js";
import { startChild, stopChild } from "./child-server.js";
import { startServer, TOKEN, UNTHROTTLED, type TestServer } from "./harness.js";
import { postgresUrl, requireService } from "./services.js";

/**
 * Concurrency (DESIGN.md §3: "versions of a story are gap-free and strictly increasing, also under
 * concurrent writers and several nodes"): 20 parallel writers; the acknowledged versions are
 * exactly 2..N, history is 1..N, and the final snapshot is what was acknowledged.
 */

const WRITERS = 20;
const ENTRIES_PER_WRITER = 10;

// ---------------------------------------------------------------------------------------------
// Servers: the harness, a second in-process app on the same SQLite file, or a child process.

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "live-ticker-concurrency-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}


async function harness(dataDir?: string, env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startServer({ env: { ...UNTHROTTLED, ...env }, ...(dataDir ? { dataDir } : {}) });
  cleanups.push(() => server.close());
  return server;
}

/** An app built the way the harness builds one, on `store`, and its URL. */
async function appOn(store: Store, dataDir: string): Promise<{ app: App; url: string }> {
  const config = loadConfig({ PORT: "0", DATA_DIR: dataDir, TICKER_ADMIN_TOKEN: TOKEN, LOG_LEVEL: "silent", ...UNTHROTTLED });
  const app: App = createApp(config, store, { log: pino({ level: "silent" }) });
  const port = await app.listen();
  cleanups.push(() => app.close());
  return { app, url: `http://127.0.0.1:${port}` };
}

/** A second app built the way the harness builds one: its own SqliteStore (connection) on the same file. */
async function secondApp(dataDir: string): Promise<string> {
  return (await appOn(new SqliteStore(join(dataDir, "live-ticker.db")), dataDir)).url;
}

/** Two apps, as two nodes, on one fresh PostgreSQL schema (dropped afterwards). */
async function postgresNodes(): Promise<Array<{ app: App; url: string }>> {
  const schema = `lt_test_${randomBytes(6).toString("hex")}`;
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await client.end();
  });
  const dataDir = tempDir();
  const a = await appOn(await PostgresStore.open(postgresUrl(), { schema }), dataDir);
  const b = await appOn(await PostgresStore.open(postgresUrl(), { schema }), dataDir);
  return [a, b];
}

/** The real server (`node --import tsx server/main.ts`) in another OS process, on the same DATA_DIR. */
async function childServer(dataDir: string, env: Record<string, string> = {}): Promise<string> {
  const child = await startChild(dataDir, { env: { ...UNTHROTTLED, ...env } });
  cleanups.push(() => stopChild(child.process));
  return child.url;
}

// ---------------------------------------------------------------------------------------------
// The workload.

async function call(base: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, ...init.headers };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(base + path, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

/** Sends a write that must be acknowledged with `status`, and returns its body. */
async function acked<T>(base: string, path: string, status: number, init: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<T> {
  const { status: actual, json } = await call(base, path, init);
  if (actual !== status) throw new Error(`${init.method ?? "POST"} ${base}${path}: expected ${status}, got ${actual} ${JSON.stringify(json)}`);
  return json as T;
}

async function createStory(base: string, id: string): Promise<void> {
  const snapshot = await acked<Snapshot>(base, "/api/stories", 201, { body: { id, title: "Concurrency" } });
  expect(snapshot.version).toBe(1);
}

interface Outcome {
  versions: number[];
  /** Entries acknowledged as added and not deleted, with their last acknowledged body. */
  live: Map<string, string>;
  /** Story title changes, with the version each was acknowledged at. */
  titles: Array<{ title: string; version: number }>;
}

/**
 * 20 writers, each adding 10 entries and mixing in edits and deletes of its own entries and story
 * title changes; every change is a real change (unique text), so every write makes a version.
 * Writer w talks to targets[w % targets.length].
 */
async function runWriters(targets: string[], storyId: string): Promise<Outcome> {
  const outcome: Outcome = { versions: [], live: new Map(), titles: [] };
  const writer = async (w: number) => {
    const base = targets[w % targets.length]!;
    const mine: string[] = [];
    // Half the writers also send an Idempotency-Key, so the claim/complete path runs concurrently too.
    const key = (): Record<string, string> => (w % 2 === 1 ? { "idempotency-key": `w${w}-${randomUUID()}` } : {});
    for (let i = 0; i < ENTRIES_PER_WRITER; i++) {
      const body = `Writer ${w} entry ${i} ${randomUUID()}`;
      const added = await acked<EntryResponse>(base, `/api/stories/${storyId}/entries`, 201, { body: { body, kind: i % 5 === 0 ? "breaking" : "update" }, headers: key() });
      expect(added.entry.body).toBe(body);
      outcome.versions.push(added.version);
      outcome.live.set(added.entry.id, body);
      mine.push(added.entry.id);

      if (i % 3 === 1) {
        const entryId = mine[mine.length - 1]!;
        const edited = `Writer ${w} edit ${i} ${randomUUID()}`;
        const res = await acked<EntryResponse>(base, `/api/stories/${storyId}/entries/${entryId}`, 200, { method: "PATCH", body: { body: edited }, headers: key() });
        expect(res.entry.revision).toBe(2);
        outcome.versions.push(res.version);
        outcome.live.set(entryId, edited);
      }
      if (i % 4 === 3) {
        const entryId = mine.shift()!;
        const res = await acked<VersionResponse>(base, `/api/stories/${storyId}/entries/${entryId}`, 200, { method: "DELETE", headers: key() });
        outcome.versions.push(res.version);
        outcome.live.delete(entryId);
      }
      if (w % 4 === 0 && i % 2 === 0) {
        const title = `Concurrency: writer ${w}, step ${i}`;
        const res = await acked<VersionResponse>(base, `/api/stories/${storyId}`, 200, { method: "PATCH", body: { title }, headers: key() });
        outcome.versions.push(res.version);
        outcome.titles.push({ title, version: res.version });
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  return outcome;
}

/** Versions 2..N acknowledged exactly once each; history 1..N; the snapshot is what was acknowledged. */
async function expectConsistent(readers: string[], storyId: string, outcome: Outcome): Promise<void> {
  const sorted = [...outcome.versions].sort((a, b) => a - b);
  const n = sorted.length + 1;
  expect(new Set(sorted).size, "duplicate acknowledged versions").toBe(sorted.length);
  expect(sorted).toEqual(Array.from({ length: n - 1 }, (_, i) => i + 2));

  for (const base of readers) {
    const history = await acked<HistoryResponse>(base, `/api/stories/${storyId}/history?limit=500`, 200, { method: "GET" });
    expect(history.versions.map((v) => v.version)).toEqual(Array.from({ length: n }, (_, i) => n - i));

    const snapshot = await acked<Snapshot>(base, `/api/stories/${storyId}`, 200, { method: "GET" });
    expect(snapshot.version).toBe(n);
    expect(new Set(Object.keys(snapshot.entries))).toEqual(new Set(outcome.live.keys()));
    for (const [id, body] of outcome.live) expect(snapshot.entries[id]!.body).toBe(body);
    const lastTitle = outcome.titles.reduce((a, b) => (b.version > a.version ? b : a));
    expect(snapshot.title).toBe(lastTitle.title);
  }
}

/** 20 entries added in parallel, so the If-Match race has entries to edit and delete. */
async function addEntries(base: string, storyId: string): Promise<void> {
  await Promise.all(
    Array.from({ length: WRITERS }, (_, w) => acked(base, `/api/stories/${storyId}/entries`, 201, { body: { body: `Seed entry ${w}` } })),
  );
}

/**
 * 20 writers send their change with the same `If-Match: "<current version>"`: exactly one wins,
 * the other 19 get 412 precondition_failed, and exactly one version is added.
 */
async function expectOneIfMatchWinner(targets: string[], storyId: string, mixed: boolean): Promise<void> {
  const before = await acked<Snapshot>(targets[0]!, `/api/stories/${storyId}`, 200, { method: "GET" });
  const existing = Object.keys(before.entries);
  expect(existing.length).toBeGreaterThanOrEqual(WRITERS);
  const ifMatch = { "if-match": `"${before.version}"` };
  const results = await Promise.all(
    Array.from({ length: WRITERS }, (_, w) => {
      const base = targets[w % targets.length]!;
      const entryId = existing[w]!;
      switch (mixed ? w % 4 : 0) {
        case 1:
          return call(base, `/api/stories/${storyId}`, { method: "PATCH", body: { title: `If-Match race ${w} ${randomUUID()}` }, headers: ifMatch });
        case 2:
          return call(base, `/api/stories/${storyId}/entries/${entryId}`, { method: "PATCH", body: { body: `If-Match edit ${w} ${randomUUID()}` }, headers: ifMatch });
        case 3:
          return call(base, `/api/stories/${storyId}/entries/${entryId}`, { method: "DELETE", headers: ifMatch });
        default:
          return call(base, `/api/stories/${storyId}/entries`, { body: { body: `If-Match race ${w} ${randomUUID()}` }, headers: ifMatch });
      }
    }),
  );
  const winners = results.filter((r) => r.status === 200 || r.status === 201);
  const losers = results.filter((r) => r.status === 412);
  expect(winners, JSON.stringify(results.map((r) => r.status))).toHaveLength(1);
  expect(losers).toHaveLength(WRITERS - 1);
  expect((winners[0]!.json as VersionResponse).version).toBe(before.version + 1);
  for (const loser of losers) {
    const error = (loser.json as ErrorResponse).error;
    expect(error.code).toBe("precondition_failed");
    expect(error.details).toEqual({ currentVersion: before.version + 1 });
  }
  for (const base of targets) {
    const after = await acked<Snapshot>(base, `/api/stories/${storyId}`, 200, { method: "GET" });
    expect(after.version).toBe(before.version + 1);
    const history = await acked<HistoryResponse>(base, `/api/stories/${storyId}/history?limit=3`, 200, { method: "GET" });
    expect(history.versions.map((v) => v.version)).toEqual([before.version + 1, before.version, before.version - 1]);
  }
}

// ---------------------------------------------------------------------------------------------

describe("concurrency: 20 parallel writers, versions 1..N with no gap and no duplicate", () => {
  it("one in-process server", async () => {
    const server = await harness();
    await createStory(server.url, "race");
    const outcome = await runWriters([server.url], "race");
    expect(outcome.versions.length).toBeGreaterThan(WRITERS * ENTRIES_PER_WRITER);
    await expectConsistent([server.url], "race", outcome);
  });

  it("two in-process apps, each with its own SqliteStore on the same file", async () => {
    const dataDir = tempDir();
    const a = await harness(dataDir);
    const b = await secondApp(dataDir);
    await createStory(b, "race");
    const outcome = await runWriters([a.url, b], "race");
    await expectConsistent([a.url, b], "race", outcome);
  });

  it("an in-process app and a child server process on the same file", { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const a = await harness(dataDir);
    await createStory(a.url, "race"); // before the child starts, so it does not seed the demo story
    const b = await childServer(dataDir);
    const outcome = await runWriters([a.url, b], "race");
    await expectConsistent([a.url, b], "race", outcome);
  });
});

describe("concurrency: 20 writers with the same If-Match, exactly one wins", () => {
  it("one in-process server", async () => {
    const server = await harness();
    await createStory(server.url, "race");
    await addEntries(server.url, "race");
    await expectOneIfMatchWinner([server.url], "race", false);
    await expectOneIfMatchWinner([server.url], "race", true);
  });

  it("two in-process apps on the same file", async () => {
    const dataDir = tempDir();
    const a = await harness(dataDir);
    const b = await secondApp(dataDir);
    await createStory(a.url, "race");
    await addEntries(b, "race");
    await expectOneIfMatchWinner([a.url, b], "race", false);
    await expectOneIfMatchWinner([a.url, b], "race", true);
  });

  it("an in-process app and a child server process on the same file", { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const a = await harness(dataDir);
    await createStory(a.url, "race");
    const b = await childServer(dataDir);
    await addEntries(b, "race");
    await expectOneIfMatchWinner([a.url, b], "race", false);
    await expectOneIfMatchWinner([a.url, b], "race", true);
  });
});

// ---------------------------------------------------------------------------------------------
// Limits: the story cap and the entry cap, raced by two processes on one SQLite file. Within one
// process better-sqlite3 runs each commit to its end before the next, so only another process
// (another connection, its own count) can slip between a count and an insert.

/** Sends `requests` at once, alternating between `targets`; the statuses and error codes. */
async function race(targets: string[], requests: Array<{ path: string; body: unknown }>): Promise<Array<{ status: number; code?: string }>> {
  return Promise.all(
    requests.map(async ({ path, body }, n) => {
      const { status, json } = await call(targets[n % targets.length]!, path, { body });
      return { status, code: (json as ErrorResponse).error?.code };
    }),
  );
}

describe("concurrency: two processes on one SQLite file hold the limits", () => {
  it("the story cap: of 12 creations racing for the 4 places left, exactly 4 succeed", { timeout: 60_000 }, async () => {
    const limits = { MAX_STORIES: "5" };
    const dataDir = tempDir();
    const a = await harness(dataDir, limits);
    await createStory(a.url, "first"); // before the child starts, so it does not seed the demo story
    const b = await childServer(dataDir, limits);
    const results = await race(
      [a.url, b],
      Array.from({ length: 12 }, (_, n) => ({ path: "/api/stories", body: { id: `story-${n}`, title: `Story ${n}` } })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(4);
    expect(results.filter((r) => r.status !== 201)).toEqual(Array(8).fill({ status: 409, code: "too_many_stories" }));
    for (const base of [a.url, b]) expect((await acked<{ stories: unknown[] }>(base, "/api/stories", 200, { method: "GET" })).stories).toHaveLength(5);
  });

  it("the entry cap: of 12 entries racing for the 3 places left in a story, exactly 3 are added", { timeout: 60_000 }, async () => {
    const limits = { MAX_ENTRIES_PER_STORY: "5" };
    const dataDir = tempDir();
    const a = await harness(dataDir, limits);
    await createStory(a.url, "race");
    for (const n of [1, 2]) await acked(a.url, "/api/stories/race/entries", 201, { body: { body: `Before ${n}` } });
    const b = await childServer(dataDir, limits);
    const results = await race(
      [a.url, b],
      Array.from({ length: 12 }, (_, n) => ({ path: "/api/stories/race/entries", body: { body: `Racing ${n}` } })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status !== 201)).toEqual(Array(9).fill({ status: 409, code: "too_many_entries" }));
    for (const base of [a.url, b]) {
      const snapshot = await acked<Snapshot>(base, "/api/stories/race", 200, { method: "GET" });
      expect(Object.keys(snapshot.entries)).toHaveLength(5);
      expect(snapshot.version).toBe(6);
      const history = await acked<HistoryResponse>(base, "/api/stories/race/history", 200, { method: "GET" });
      expect(history.versions.map((v) => v.version)).toEqual([6, 5, 4, 3, 2, 1]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Drafts: a publish and an edit of the same draft at the same moment.

const DRAFT_ROUNDS = 12;

/** A waiting draft, put straight into the store (drafts are written by accounts; the token edits and publishes). */
async function waitingDraft(store: Store, storyId: string, n: number): Promise<Draft> {
  const now = new Date().toISOString();
  const draft: Draft = { id: `d_race${n}`, storyId, authorId: "u_writer", author: { name: "wren" }, createdAt: now, updatedAt: now, body: `Draft ${n} as written`, kind: "update", pinned: false, revision: 1 };
  await store.accounts.createDraft(draft);
  return draft;
}

/**
 * Each round, a publish on one node and an edit on the other, sent together. With `If-Match: "1"`
 * on both, exactly one wins and the other is 409 draft_published or 412; without, both may win
 * only if the edit came first and the entry then carries the edit. Either way an acknowledged edit
 * is never lost: its text is in the queue or in the story, and the entry is text that was accepted.
 */
async function expectNoLostDraftEdit(store: Store, targets: string[], storyId: string): Promise<void> {
  for (let n = 0; n < DRAFT_ROUNDS; n++) {
    const draft = await waitingDraft(store, storyId, n);
    const conditional = n % 2 === 0;
    const ifMatch = conditional ? { "if-match": '"1"' } : undefined;
    const editedText = `Draft ${n} as edited`;
    const before = await acked<Snapshot>(targets[0]!, `/api/stories/${storyId}`, 200, { method: "GET" });
    const [published, edited] = await Promise.all([
      call(targets[n % targets.length]!, `/api/stories/${storyId}/drafts/${draft.id}/publish`, { method: "POST", ...(ifMatch ? { headers: ifMatch } : {}) }),
      call(targets[(n + 1) % targets.length]!, `/api/stories/${storyId}/drafts/${draft.id}`, { method: "PATCH", body: { body: editedText }, ...(ifMatch ? { headers: ifMatch } : {}) }),
    ]);
    const after = await acked<Snapshot>(targets[0]!, `/api/stories/${storyId}`, 200, { method: "GET" });
    const entries = Object.values(after.entries).filter((e) => e.body.startsWith(`Draft ${n} `));
    const open = await store.accounts.draft(storyId, draft.id);
    const statuses = `round ${n}: publish ${published.status} ${JSON.stringify(published.json)}, edit ${edited.status} ${JSON.stringify(edited.json)}`;

    expect([201, 409, 412], statuses).toContain(published.status);
    expect([200, 409, 412], statuses).toContain(edited.status);
    if (published.status === 201) {
      expect(after.version, statuses).toBe(before.version + 1);
      expect(entries.map((e) => e.id), statuses).toEqual([(published.json as EntryResponse).entry.id]);
      expect(open, statuses).toBeUndefined();
      if (edited.status === 200) {
        expect(conditional, statuses).toBe(false); // both win only without a condition, the edit first
        expect(entries[0]!.body, statuses).toBe(editedText);
      } else {
        expect((edited.json as ErrorResponse).error.code, statuses).toBe("draft_published");
        expect(entries[0]!.body, statuses).toBe(draft.body);
      }
    } else {
      expect(edited.status, statuses).toBe(200);
      expect((published.json as ErrorResponse).error.code, statuses).toBe(conditional ? "precondition_failed" : "draft_changed");
      expect((published.json as ErrorResponse).error.details, statuses).toEqual({ currentRevision: 2 });
      expect(after.version, statuses).toBe(before.version);
      expect(entries, statuses).toEqual([]);
      expect(open, statuses).toMatchObject({ body: editedText, revision: 2 });
    }
  }
}

/** Two publishes of one draft on two nodes at once: exactly one entry, the other told who published it. */
async function expectOnePublish(store: Store, targets: string[], storyId: string): Promise<void> {
  for (let n = 100; n < 100 + DRAFT_ROUNDS / 2; n++) {
    const draft = await waitingDraft(store, storyId, n);
    const replies = await Promise.all(targets.concat(targets).map((base) => call(base, `/api/stories/${storyId}/drafts/${draft.id}/publish`, { method: "POST" })));
    expect(replies.map((r) => r.status).sort()).toEqual([201, ...Array.from({ length: replies.length - 1 }, () => 409)]);
    for (const r of replies) if (r.status === 409) expect((r.json as ErrorResponse).error).toMatchObject({ code: "draft_published", details: { by: { name: "Newsroom" } } });
    const after = await acked<Snapshot>(targets[0]!, `/api/stories/${storyId}`, 200, { method: "GET" });
    expect(Object.values(after.entries).filter((e) => e.body === draft.body)).toHaveLength(1);
  }
}

const hasPostgres = await requireService("postgres");

describe("concurrency: a draft published and edited at the same moment, nothing lost silently", () => {
  it("one in-process server", async () => {
    const server = await harness();
    await createStory(server.url, "drafts");
    await expectNoLostDraftEdit(server.app.store, [server.url], "drafts");
    await expectOnePublish(server.app.store, [server.url], "drafts");
  });

  it("an in-process app and a child server process on the same file", { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const a = await harness(dataDir);
    await createStory(a.url, "drafts");
    const b = await childServer(dataDir);
    await expectNoLostDraftEdit(a.app.store, [a.url, b], "drafts");
    await expectOnePublish(a.app.store, [a.url, b], "drafts");
  });

  it.skipIf(!hasPostgres)("two nodes on one PostgreSQL schema", { timeout: 60_000 }, async () => {
    const [a, b] = await postgresNodes();
    await createStory(a!.url, "drafts");
    await expectNoLostDraftEdit(a!.app.store, [a!.url, b!.url], "drafts");
    await expectOnePublish(a!.app.store, [a!.url, b!.url], "drafts");
  });
});
