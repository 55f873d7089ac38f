import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EntryResponse, HistoryResponse } from "../../shared/api.js";
import type { Snapshot } from "../../shared/story.js";
import { connectLive, followStory, type LiveSocket, type StoryFollow } from "../../client/lib/live-client.js";
import { children, startChild, stopChild, type Child } from "./child-server.js";
import { TOKEN } from "./harness.js";
import { OwnRedis, requireRedisBinaries } from "./own-redis.js";
import { postgresUrl, requireService } from "./services.js";

// Redis is one of the suite's own (one test restarts it), so it needs the binaries, not the service.
const ready = (await requireService("postgres")) && requireRedisBinaries();

/** Resolves when `check` holds, polling; fails with `what` after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A reader on one node: every state it passes through, in order. */
interface Reader {
  socket: LiveSocket;
  follow: StoryFollow;
  versions: number[];
  subscribes: string[];
}

describe.skipIf(!ready)("several nodes on PostgreSQL and Redis", () => {
  const schema = `lt_multinode_${Math.random().toString(36).slice(2, 10)}`;
  const stream = `live-ticker-test-${schema}`;
  const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-multinode-"));
  const databaseUrl = `${postgresUrl()}${postgresUrl().includes("?") ? "&" : "?"}schema=${schema}`;
  const nodes: Child[] = [];
  const sockets: LiveSocket[] = [];
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = await OwnRedis.start();
  });

  // Writers share the admin token and post as fast as they can: the write limit is not under test here.
  const startNode = () =>
    startChild(dataDir, { env: { DATABASE_URL: databaseUrl, REDIS_URL: redis.url, REDIS_STREAM: stream, WRITES_PER_MINUTE: "1000000" } });
  const api = (node: Child, path: string, body?: unknown, method = body === undefined ? "GET" : "POST") =>
    fetch(node.url + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const reader = (node: Child, storyId: string, initial?: Snapshot): Reader => {
    const socket = connectLive(node.url, { transports: ["websocket"], reconnection: false });
    sockets.push(socket);
    const versions: number[] = [];
    // A patch that does not start at the reader's version is a gap, which the client mends by subscribing again.
    const subscribes: string[] = [];
    socket.onAnyOutgoing((event: string) => event === "subscribe" && subscribes.push(event));
    const follow = followStory(socket, storyId, { ...(initial ? { initial } : {}), onChange: (s) => versions.push(s.version) });
    return { socket, follow, versions, subscribes };
  };
  const latest = async (node: Child, storyId: string) => (await (await api(node, `/api/stories/${storyId}`)).json()) as Snapshot;

  /** Writers posting through `targets` until `stop`, recording every acknowledged entry. */
  const writers = (storyId: string, targets: () => Child[], stop: () => boolean, acked: Map<string, number>) =>
    Promise.all(
      [0, 1, 2].map(async (w) => {
        for (let n = 0; !stop(); n++) {
          const candidates = targets();
          const node = candidates[(w + n) % candidates.length]!;
          try {
            const res = await api(node, `/api/stories/${storyId}/entries`, { body: `writer ${w} update ${n}`, headline: `W${w}-${n}` });
            if (res.status === 201) {
              const { entry, version } = (await res.json()) as EntryResponse;
              acked.set(entry.id, version);
            }
          } catch {
            // The node died mid-request: not acknowledged, so nothing is owed.
          }
        }
      }),
    );

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all([...children].map((child) => stopChild(child, "SIGKILL")));
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    await redis?.kill(); // with the stream and the rate-limit counters: it saves nothing
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Each test starts nodes and writes across them: beside a whole suite on two cores that takes more than the default 30 s.
  it("three nodes: readers everywhere follow the versions in order with no gap (a backlog may come as one patch) and end deep-equal to the store", { timeout: 120_000 }, async () => {
    nodes.push(...(await Promise.all([startNode(), startNode(), startNode()])));
    const story = (await (await api(nodes[0]!, "/api/stories", { id: "multi", title: "Multi-node story" })).json()) as Snapshot;
    const readers = nodes.flatMap((node) => [reader(node, story.id), reader(node, story.id)]);
    await until(() => readers.every((r) => r.versions.length > 0), "every reader's snapshot");

    const acked = new Map<string, number>();
    let written = 0;
    await writers(story.id, () => nodes, () => written++ >= 90, acked);
    expect(acked.size).toBe(90); // every write answered 201 (writers count only those)
    const final = await latest(nodes[1]!, story.id);
    expect(final.version).toBe(1 + acked.size);

    await until(() => readers.every((r) => r.follow.follower.version === final.version), "every reader at the latest version");
    for (const r of readers) {
      expect(r.follow.follower.snapshot).toEqual(final);
      // In order and without a gap: strictly increasing, and never a patch that did not start at the
      // reader's version (a backlog the desk wrote faster than a node sends may come as one patch).
      expect(r.versions).toEqual([...new Set(r.versions)].sort((a, b) => a - b));
      expect(r.subscribes.length).toBeLessThanOrEqual(1);
    }
    const history = (await (await api(nodes[2]!, `/api/stories/${story.id}/history?limit=500`)).json()) as HistoryResponse;
    expect(history.versions.map((v) => v.version)).toEqual(Array.from({ length: final.version }, (_, i) => final.version - i));
  });

  it("a node killed with SIGKILL mid-stream: its readers move to another node and catch up, nothing acknowledged is lost, the others see no gap", { timeout: 120_000 }, async () => {
    const storyId = "multi";
    const [survivorA, survivorB, victim] = nodes as [Child, Child, Child];
    const start = await latest(survivorA, storyId);
    const steady = [reader(survivorA, storyId, start), reader(survivorB, storyId, start)];
    const doomed = [reader(victim, storyId, start), reader(victim, storyId, start)];
    await new Promise((r) => setTimeout(r, 300));

    const acked = new Map<string, number>();
    let alive = [survivorA, survivorB, victim];
    let stop = false;
    const writing = writers(storyId, () => alive, () => stop, acked);
    await until(() => acked.size >= 20, "some writes before the kill");
    await stopChild(victim.process, "SIGKILL");
    alive = [survivorA, survivorB];
    nodes.splice(2, 1);
    // Their sockets drop; the readers reconnect to a surviving node with the version they have.
    const moved = doomed.map((r) => reader(survivorB, storyId, r.follow.follower.snapshot));
    await until(() => acked.size >= 50, "writes after the kill");
    stop = true;
    await writing;

    const final = await latest(survivorA, storyId);
    for (const [entryId, version] of acked) {
      expect(final.entries[entryId], `acknowledged entry ${entryId} (v${version})`).toBeDefined();
    }
    await until(() => [...steady, ...moved].every((r) => r.follow.follower.version === final.version), "every reader level");
    for (const r of [...steady, ...moved]) expect(r.follow.follower.snapshot).toEqual(final);
    // Readers that started from `start` record the versions after it in order, with no gap to mend.
    for (const r of steady) {
      expect(r.versions).toEqual([...new Set(r.versions)].sort((a, b) => a - b));
      expect(r.versions[0]).toBeGreaterThan(start.version);
      expect(r.subscribes.length).toBeLessThanOrEqual(1);
    }
  });

  it("Redis restarting mid-stream: readers may pause but end consistent, caught up from the store", { timeout: 120_000 }, async () => {
    const storyId = "multi";
    const [a, b] = nodes as [Child, Child];
    const start = await latest(a, storyId);
    const readers = [reader(a, storyId, start), reader(b, storyId, start)];
    const acked = new Map<string, number>();
    let stop = false;
    const writing = writers(storyId, () => [a, b], () => stop, acked);
    await until(() => acked.size >= 10, "writes before the restart");
    await redis.kill();
    // The nodes noticed: readiness names Redis as failing while it is gone.
    for (const node of [a, b]) {
      await until(async () => {
        const res = await fetch(`${node.url}/readyz`);
        const body = (await res.json()) as { error?: { details?: { checks?: Record<string, string> } } };
        return res.status === 503 && body.error?.details?.checks?.redis === "failing";
      }, "readiness to report Redis down");
    }
    await redis.restart();
    for (const node of [a, b]) expect(node.process.exitCode, node.output()).toBeNull(); // Redis going away kills no node
    await until(() => acked.size >= 40, "writes after the restart");
    stop = true;
    await writing;

    const final = await latest(b, storyId);
    for (const entryId of acked.keys()) expect(final.entries[entryId]).toBeDefined();
    await until(() => readers.every((r) => r.follow.follower.version === final.version), "every reader level after the restart", 20_000);
    for (const r of readers) {
      expect(r.follow.follower.snapshot).toEqual(final);
      expect(r.versions).toEqual([...r.versions].sort((x, y) => x - y)); // never backwards, never twice
      expect(new Set(r.versions).size).toBe(r.versions.length);
    }
    const ready = await (await fetch(`${a.url}/readyz`)).json();
    expect(ready).toEqual({ status: "ready", checks: { store: "ok", redis: "ok" } });
  });

  it("a node stops cleanly on SIGTERM: its readers reconnect elsewhere and catch up", { timeout: 120_000 }, async () => {
    const [a, b] = nodes as [Child, Child];
    const start = await latest(b, "multi");
    const moving = reader(a, "multi", start);
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise<number | null>((resolve) => a.process.once("exit", (code) => resolve(code)));
    a.process.kill("SIGTERM");
    expect(await exited).toBe(0);
    await until(() => !moving.socket.connected, "the socket to drop");
    const res = await api(b, "/api/stories/multi/entries", { body: "After the drain", headline: "Drained" });
    expect(res.status).toBe(201);
    const moved = reader(b, "multi", moving.follow.follower.snapshot);
    const final = await latest(b, "multi");
    await until(() => moved.follow.follower.version === final.version, "the moved reader level");
    expect(moved.follow.follower.snapshot).toEqual(final);
  });
});
