/**
 * The upgrade procedure of docs/operations.md ("Deploy"), for real: two nodes on PostgreSQL and
 * Redis behind the shipped nginx configuration, readers following a story through the proxy, an
 * editor writing once a second; the node that holds the readers gets SIGTERM, drains, and a new
 * process takes its port. No acknowledged write is lost, every reader ends at the last version
 * having caught up by patches (no gap, no fresh snapshot), and the readers' reconnections are
 * spread out rather than arriving at once.
 *
 * ROLLING_RESTART_READERS sets how many readers (200 in the suite; the issue's 1,000 by hand).
 */
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { EntryResponse } from "../../shared/api.js";
import type { Snapshot } from "../../shared/story.js";
import { TOKEN } from "./harness.js";
import { nginxMissing } from "./nginx.js";
import { connectedSockets, useProxiedNodes } from "./proxied-nodes.js";
import { adminApi, recordingReader, until, type RecordingReader } from "./proxied-readers.js";
import { requireService } from "./services.js";

const READERS = Number(process.env.ROLLING_RESTART_READERS ?? 200);
/** What a process manager gives a stopping node before SIGKILL (systemd's TimeoutStopSec, Kubernetes' grace period). */
const GRACE_MS = 10_000;

const ready = !nginxMissing && (await requireService("postgres")) && (await requireService("redis"));

/** An editor writing once a second through the proxy, retrying a write whose answer was lost with the same Idempotency-Key. */
function editor(base: string, storyId: string) {
  const acknowledged: { version: number; entryId: string }[] = [];
  const retried: string[] = [];
  let running = true;
  let writing: (() => void) | undefined;
  const write = async (n: number) => {
    const key = randomUUID();
    for (;;) {
      try {
        writing?.();
        const res = await fetch(`${base}/api/stories/${storyId}/entries`, {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "idempotency-key": key },
          body: JSON.stringify({ headline: `Update ${n} during the upgrade`, body: `Written at second ${n}.` }),
        });
        if (res.status === 201) {
          const { entry, version } = (await res.json()) as EntryResponse;
          return void acknowledged.push({ version, entryId: entry.id });
        }
        retried.push(`${res.status}`);
      } catch (error) {
        retried.push((error as Error).message);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const loop = (async () => {
    for (let n = 1; running; n++) {
      const started = Date.now();
      await write(n);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))));
    }
  })();
  return {
    acknowledged,
    retried,
    /** Resolves as the next write request sets out. */
    nextWrite: () => new Promise<void>((resolve) => (writing = () => ((writing = undefined), resolve()))),
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe.skipIf(!ready)(`a rolling restart behind nginx with ${READERS} readers`, { timeout: 120_000 }, () => {
  // All readers here come from one address: the per-address allowances are for the real world's many.
  const { cluster, replaceNode } = useProxiedNodes("lt_rolling", {
    IP_CONNECT_BURST: "1000000",
    IP_CONNECTS_PER_MINUTE: "60000000",
    IP_SUBSCRIBE_BURST: "1000000",
    IP_SUBSCRIBES_PER_MINUTE: "60000000",
  });
  const readers: RecordingReader[] = [];
  afterAll(() => {
    for (const reader of readers) reader.socket.close();
  });

  it("loses no acknowledged write, brings every reader to the last version by patches, and spreads their reconnections", async () => {
    const created = await adminApi(cluster.nginx.url, "/api/stories", { title: "Upgrade night" });
    const storyId = ((await created.json()) as Snapshot).id;
    // From 20 client addresses, which nginx spreads over the two nodes.
    for (let i = 0; i < READERS; i++) {
      readers.push(recordingReader(cluster.nginx.url, storyId, { view: "latest", localAddress: `127.0.0.${(i % 20) + 2}` }));
      if (i % 50 === 49) await until(() => readers.every((reader) => reader.versions.length > 0), "the readers' first snapshots");
    }
    await until(() => readers.every((reader) => reader.versions.length > 0), "every reader's first snapshot");
    const counts = await Promise.all(cluster.nodes.map(connectedSockets));
    expect(counts[0]! + counts[1]!).toBe(READERS);
    // The upgrade takes the node with more readers first (with all of them, when nginx put every address on one).
    const holder = counts[0]! >= counts[1]! ? 0 : 1;
    const moving = counts[holder]!;

    const writer = editor(cluster.nginx.url, storyId);
    await until(() => writer.acknowledged.length >= 2, "the editor's first writes");

    // The upgrade of one node: SIGTERM, wait for it to exit, start the new process on its port.
    const stopping = cluster.nodes[holder]!.process;
    const exited = new Promise<{ code: number | null; signal: string | null; ms: number }>((resolve) => {
      stopping.once("exit", (code, signal) => resolve({ code, signal, ms: Date.now() - stoppedAt }));
    });
    // As a write sets out: it reaches the stopping node, which answers it once durable (or, cut
    // off, the editor retries it with its key and is told what became of it).
    await writer.nextWrite();
    const stoppedAt = Date.now();
    stopping.kill("SIGTERM");
    const killer = setTimeout(() => stopping.kill("SIGKILL"), GRACE_MS);
    const exit = await exited;
    clearTimeout(killer);
    expect(exit).toMatchObject({ code: 0, signal: null });

    const moved = () => readers.filter((reader) => reader.connects.length >= 2);
    await until(() => moved().length === moving, "the stopped node's readers reconnected through the proxy", 60_000);
    await replaceNode(holder);
    const writesAfter = writer.acknowledged.length + 3;
    await until(() => writer.acknowledged.length >= writesAfter, "three writes after the upgrade", 30_000);
    await writer.stop();

    const last = writer.acknowledged.at(-1)!.version;
    const latest = (await (await adminApi(cluster.nginx.url, `/api/stories/${storyId}`)).json()) as Snapshot;
    expect(latest.version).toBe(last);
    // Every acknowledged write is in the story, and versions came one after another.
    for (const { entryId } of writer.acknowledged) expect(latest.entries[entryId], entryId).toBeDefined();
    // And nothing twice: a retried write was not added again.
    expect(Object.keys(latest.entries)).toHaveLength(writer.acknowledged.length);
    expect(writer.acknowledged.map((write) => write.version)).toEqual(writer.acknowledged.map((_, i) => writer.acknowledged[0]!.version + i));

    await until(() => readers.every((reader) => reader.follow.follower.version === last), "every reader at the last version", 30_000);
    const latestView = (await (await adminApi(cluster.nginx.url, `/api/stories/${storyId}?view=latest`)).json()) as Snapshot;
    for (const reader of readers) {
      // Patches only after the first snapshot: the reconnection caught up from the version held.
      expect(reader.via.slice(1).every((how) => how === "patch")).toBe(true);
      expect(reader.versions.every((version, i) => i === 0 || version > reader.versions[i - 1]!)).toBe(true);
      expect(reader.follow.follower.snapshot).toEqual(latestView);
    }

    // When each reader set out to reconnect (its jittered backoff) and when it was connected
    // again, as time after the SIGTERM; the busiest 100 ms of each.
    const spread = (times: number[]) => {
      const sorted = times.map((t) => t - stoppedAt).sort((a, b) => a - b);
      const slots = new Map<number, number>();
      for (const ms of sorted) slots.set(Math.floor(ms / 100), (slots.get(Math.floor(ms / 100)) ?? 0) + 1);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
      return { first: at(0), p50: at(0.5), last: at(1), busiest: Math.max(...slots.values()), text: `${at(0)}–${at(1)} ms (p10 ${at(0.1)}, p50 ${at(0.5)}, p90 ${at(0.9)}), busiest 100 ms: ${Math.max(...slots.values())}` };
    };
    // The other node's readers were never disturbed.
    expect(readers.filter((reader) => reader.connects.length === 1)).toHaveLength(READERS - moving);
    const attempts = spread(moved().map((reader) => reader.attempts[0]!));
    const reconnected = spread(moved().map((reader) => reader.connects[1]!));
    console.log(
      `rolling restart, ${READERS} readers (${moving} on the stopped node): the node drained and exited ${exit.ms} ms after SIGTERM; reconnection attempts ${attempts.text}; ` +
        `reconnected ${reconnected.text}; ${writer.acknowledged.length} writes acknowledged, ${writer.retried.length} retried (${[...new Set(writer.retried)].join(", ") || "none"})`,
    );
    // Jittered: the attempts spread over Socket.IO's 0.5–1.5 s first delay, no 100 ms holding a quarter of the crowd.
    expect(attempts.last - attempts.first).toBeGreaterThan(500);
    expect(attempts.busiest).toBeLessThanOrEqual(moving / 4);
  });
});
