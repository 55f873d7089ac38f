import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { HistoryResponse } from "../../shared/api.js";
import type { ScheduledEntry } from "../../shared/schedule.js";
import type { Snapshot } from "../../shared/story.js";
import { connectLive, followStory, type LiveSocket } from "../../client/lib/live-client.js";
import { children, startChild, stopChild, type Child } from "./child-server.js";
import { TOKEN, UNTHROTTLED } from "./harness.js";
import { postgresUrl, redisUrl, requireService } from "./services.js";

/**
 * Scheduled updates are published exactly once (issue 19), also when the real server is killed
 * with SIGKILL before or right at their time and started again, and when two nodes share one
 * PostgreSQL schema and both look for due entries.
 */

const hasPostgres = await requireService("postgres");
const hasRedis = await requireService("redis");
const dirs: string[] = [];
const sockets: LiveSocket[] = [];

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all([...children].map((child) => stopChild(child, "SIGKILL")));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "live-ticker-scheduled-"));
  dirs.push(dir);
  return dir;
};
const api = (node: Child, path: string, body?: unknown, method = body === undefined ? "GET" : "POST") =>
  fetch(node.url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Schedules `count` entries whose times are spread evenly from `fromMs` to `toMs` from now; returns their bodies. */
async function scheduleMany(nodes: Child[], storyId: string, count: number, fromMs: number, toMs: number): Promise<ScheduledEntry[]> {
  const start = Date.now();
  const items: ScheduledEntry[] = [];
  for (let n = 0; n < count; n++) {
    const publishAt = new Date(start + fromMs + ((toMs - fromMs) * n) / Math.max(1, count - 1)).toISOString();
    const res = await api(nodes[n % nodes.length]!, `/api/stories/${storyId}/entries`, { body: `Scheduled ${n} of ${storyId}`, publishAt });
    expect(res.status).toBe(202);
    items.push(((await res.json()) as { scheduled: ScheduledEntry }).scheduled);
  }
  return items;
}

/** Every item is in the story once, added by exactly one version, and nothing waits or failed. */
async function expectPublishedOnce(node: Child, storyId: string, items: ScheduledEntry[]): Promise<void> {
  await until(async () => ((await (await api(node, `/api/stories/${storyId}/scheduled`)).json()) as { scheduled: unknown[] }).scheduled.length === 0, "an empty queue");
  const snapshot = (await (await api(node, `/api/stories/${storyId}`)).json()) as Snapshot;
  const history = (await (await api(node, `/api/stories/${storyId}/history?limit=200`)).json()) as HistoryResponse;
  for (const item of items) {
    expect(snapshot.entries[item.entryId]?.body, item.body).toBe(item.body);
    expect(Object.values(snapshot.entries).filter((e) => e.body === item.body)).toHaveLength(1);
  }
  // One version per published entry after the creation, gap-free.
  expect(history.versions.map((v) => v.version)).toEqual(Array.from({ length: items.length + 1 }, (_, i) => items.length + 1 - i));
}

describe("scheduled updates across kill -9 (SQLite)", () => {
  it("publishes an entry once when the server was killed before its time and started again after it", { timeout: 60_000 }, async () => {
    const dataDir = freshDir();
    const first = await startChild(dataDir, { env: UNTHROTTLED });
    expect((await api(first, "/api/stories", { id: "before-due", title: "Killed before due" })).status).toBe(201);
    const items = await scheduleMany([first], "before-due", 3, 1_500, 2_000);
    first.process.kill("SIGKILL");
    await new Promise((r) => first.process.once("exit", r));
    await sleep(2_500); // every time passes while no server runs
    const second = await startChild(dataDir, { env: UNTHROTTLED });
    await expectPublishedOnce(second, "before-due", items);
    await stopChild(second.process);
  });

  it("publishes each entry once when the server is killed right while they fall due", { timeout: 60_000 }, async () => {
    const dataDir = freshDir();
    const first = await startChild(dataDir, { env: UNTHROTTLED });
    expect((await api(first, "/api/stories", { id: "at-due", title: "Killed at due" })).status).toBe(201);
    const items = await scheduleMany([first], "at-due", 24, 1_500, 3_000);
    // Killed in the middle of the window: some are published, one may be mid-transaction, the rest wait.
    const dueFrom = Date.parse(items[0]!.publishAt);
    await sleep(dueFrom + 750 - Date.now());
    first.process.kill("SIGKILL");
    await new Promise((r) => first.process.once("exit", r));
    const second = await startChild(dataDir, { env: UNTHROTTLED });
    await expectPublishedOnce(second, "at-due", items);
    await stopChild(second.process);
  });
});

describe.skipIf(!hasPostgres || !hasRedis)("scheduled updates on two nodes (PostgreSQL + Redis)", () => {
  const schema = `lt_sched_${Math.random().toString(36).slice(2, 10)}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
  });

  it("publishes every entry exactly once, whichever node scheduled it, and readers on both nodes see it", { timeout: 90_000 }, async () => {
    const env = { DATABASE_URL: `${postgresUrl()}${postgresUrl().includes("?") ? "&" : "?"}schema=${schema}`, REDIS_URL: redisUrl(), REDIS_STREAM: `lt-test-${schema}`, ...UNTHROTTLED };
    const dataDir = freshDir();
    const nodes = [await startChild(dataDir, { env }), await startChild(dataDir, { env })];
    expect((await api(nodes[0]!, "/api/stories", { id: "two-nodes", title: "Two nodes" })).status).toBe(201);
    const readers = nodes.map((node) => {
      const socket = connectLive(node.url, { transports: ["websocket"], reconnection: false });
      sockets.push(socket);
      let latest: Snapshot | undefined;
      followStory(socket, "two-nodes", { onChange: (snapshot) => (latest = snapshot) });
      return () => latest;
    });
    const items = await scheduleMany(nodes, "two-nodes", 30, 1_500, 3_500);
    await expectPublishedOnce(nodes[1]!, "two-nodes", items);
    for (const reader of readers) {
      await until(async () => items.every((item) => reader()?.entries[item.entryId] !== undefined), "every entry on a reader of each node");
    }
    // Both nodes took part or not, but neither published anything twice: each version added one entry.
    const history = (await (await api(nodes[0]!, "/api/stories/two-nodes/history?limit=200")).json()) as HistoryResponse;
    expect(history.versions.filter((v) => v.summary.startsWith("Added"))).toHaveLength(items.length);
    for (const node of nodes) await stopChild(node.process);
  });

  it("publishes once when one node is killed while entries fall due and the other carries on", { timeout: 90_000 }, async () => {
    const env = { DATABASE_URL: `${postgresUrl()}${postgresUrl().includes("?") ? "&" : "?"}schema=${schema}`, REDIS_URL: redisUrl(), REDIS_STREAM: `lt-test-${schema}`, ...UNTHROTTLED };
    const dataDir = freshDir();
    const nodes = [await startChild(dataDir, { env }), await startChild(dataDir, { env })];
    expect((await api(nodes[0]!, "/api/stories", { id: "node-dies", title: "A node dies" })).status).toBe(201);
    const items = await scheduleMany(nodes, "node-dies", 20, 1_500, 3_000);
    await sleep(Date.parse(items[0]!.publishAt) + 700 - Date.now());
    nodes[0]!.process.kill("SIGKILL");
    await expectPublishedOnce(nodes[1]!, "node-dies", items);
    await stopChild(nodes[1]!.process);
  });
});
