import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { PatchMessage, SnapshotMessage } from "../../shared/protocol.js";
import type { Snapshot } from "../../shared/story.js";
import { StoryFollower } from "../../shared/follower.js";
import { connectLive, followStory, type LiveSocket } from "../../client/lib/live-client.js";
import { LeanSocket } from "../../bench/load/lean-socket.js";
import { children, startChild, stopChild } from "./child-server.js";
import { TOKEN, UNTHROTTLED } from "./harness.js";
import { scrape } from "./scrape.js";

/** Resolves when `check` holds, polling; fails with `what` after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The resident memory of a process, from the kernel. */
const rssOf = (pid: number) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
const MiB = 1024 * 1024;

const UPDATES = 1_000;
const PAUSE_MS = 30_000;
/**
 * Readers that stop reading. One would show the behaviour, but not in the memory: unbounded, its
 * queue would cost about 15 MB here, lost in what 1 000 writes' garbage does to the heap. Unbounded,
 * each of these would hold every frame written to it and what engine.io queued behind them, against
 * 1 MiB each bounded.
 */
const SLOW_READERS = 16;
/** Each update rewrites one entry's 9 000-character body: a patch of about 18 KB (body and html), a story that stays small. */
const bodyOf = (n: number) => `Update ${n}: ${"the situation develops, details follow. ".repeat(225)}`.slice(0, 9_000);
/** Editors posting at once, so that the updates take a fraction of the pause even on a busy machine. */
const EDITORS = 4;

describe("readers that stop reading", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-slow-reader-"));
  const sockets: LiveSocket[] = [];
  const leans: LeanSocket[] = [];
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    for (const lean of leans) lean.close();
    await Promise.all([...children].map((child) => stopChild(child, "SIGKILL")));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    `for ${PAUSE_MS / 1000} s while ${UPDATES} updates go out neither slow the other readers nor grow the server's memory, and are brought level when they read again`,
    { timeout: 150_000 },
    async () => {
      // A heap cap makes V8 collect the writes' garbage instead of growing into the machine's memory,
      // which would hide the queues; they are mostly Buffers (WebSocket frames), outside the heap and its cap.
      const server = await startChild(dataDir, { env: { ...UNTHROTTLED, NODE_OPTIONS: "--max-old-space-size=128" } });
      const pid = server.process.pid!;
      const api = (path: string, method: string, body: unknown) =>
        fetch(server.url + path, { method, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      const latest = async () => (await (await fetch(`${server.url}/api/stories/slow`)).json()) as Snapshot;
      expect((await api("/api/stories", "POST", { id: "slow", title: "Slow readers" })).status).toBe(201);
      const posted = await api("/api/stories/slow/entries", "POST", { body: bodyOf(0), headline: "Rolling" });
      const entryId = ((await posted.json()) as { entry: { id: string } }).entry.id;
      const edits = async (first: number, count: number, during?: () => void) => {
        let next = first;
        const editor = async () => {
          for (let n = next++; n < first + count; n = next++) {
            expect((await api(`/api/stories/slow/entries/${entryId}`, "PATCH", { body: bodyOf(n) })).status).toBe(200);
            during?.();
          }
        };
        await Promise.all(Array.from({ length: EDITORS }, editor));
      };

      // Three ordinary readers, recording the chain of patches they apply.
      const readers = [0, 1, 2].map(() => {
        const socket = connectLive(server.url, { transports: ["websocket"] });
        sockets.push(socket);
        const chain: Array<[number, number]> = [];
        socket.on("patch", (patch) => chain.push([patch.from, patch.to]));
        return { chain, follow: followStory(socket, "slow") };
      });
      // Warm up (JIT, SQLite's cache, the heap's size under this load), so that the baseline is the server at work.
      await edits(1, 300);
      const warm = (await latest()).version;
      await until(() => readers.every((r) => r.follow.follower.version === warm), "the readers to follow the warm-up");

      // The slow readers: raw WebSockets, the Engine.IO and Socket.IO handshakes by hand (bench/load/lean-socket.ts).
      const slow = await Promise.all(
        Array.from({ length: SLOW_READERS }, async () => {
          const reader = { follower: new StoryFollower("slow"), results: [] as string[] };
          const lean = new LeanSocket(server.url, "socketio", ({ event, payload }) => {
            if (event === "snapshot") reader.results.push(reader.follower.onSnapshot(payload as SnapshotMessage));
            if (event === "patch") reader.results.push(reader.follower.onPatch(payload as PatchMessage));
          });
          leans.push(lean);
          await lean.opened;
          expect(await lean.emitWithAck("subscribe", { storyId: "slow" })).toEqual({ ok: true, version: warm });
          return { ...reader, lean };
        }),
      );
      await until(() => slow.every((r) => r.follower.version === warm), "the slow readers' snapshots");

      // They stop reading for 30 s, whatever happens meanwhile: the heartbeat (a ping 25 s after they
      // connected, 20 s to answer) must not be what ends their pause.
      const before = rssOf(pid);
      for (const r of slow) r.lean.pause();
      const pausedAt = Date.now();
      const resumed = new Promise<void>((resolve) =>
        setTimeout(() => {
          for (const r of slow) r.lean.resume();
          resolve();
        }, PAUSE_MS),
      );
      let peak = before;
      let sampled = 0;
      await edits(warm, UPDATES, () => {
        if (++sampled % 50 === 0) peak = Math.max(peak, rssOf(pid));
      });
      const lastAcknowledged = Date.now();
      const final = await latest();
      expect(final.version).toBe(warm + UPDATES);

      // The others get every version, in order, and at once: a fan-out that waited on the paused
      // sockets would bring them level only as the pause ends, long after the last write.
      await until(() => readers.every((r) => r.follow.follower.version === final.version), "the ordinary readers at the latest version");
      const levelAfter = Date.now() - pausedAt;
      const levelBehindLastWrite = Date.now() - lastAcknowledged;
      expect(levelBehindLastWrite, "ms from the last acknowledged write to the ordinary readers level").toBeLessThan(5_000);
      expect(levelAfter, "ms from the pause's start to the ordinary readers level").toBeLessThan(PAUSE_MS);
      for (const r of readers) {
        expect(r.follow.follower.snapshot).toEqual(final);
        // One unbroken chain of patches from the warm-up's version to the last (a patch may span
        // several versions when they were committed during a paused fan-out: DESIGN.md §1).
        const chain = r.chain.filter(([, to]) => to > warm);
        expect(chain[0]![0]).toBe(warm);
        for (let i = 1; i < chain.length; i++) expect(chain[i]![0]).toBe(chain[i - 1]![1]);
        expect(chain.at(-1)![1]).toBe(final.version);
      }
      const metrics = await scrape(server.url);
      peak = Math.max(peak, rssOf(pid));
      console.info(
        `${SLOW_READERS} slow readers: server RSS ${(before / MiB).toFixed(0)} MiB before ${UPDATES} updates, peak ${(peak / MiB).toFixed(0)} MiB; ` +
          `ordinary readers level ${(levelAfter / 1000).toFixed(1)} s after the pause began, ${(levelBehindLastWrite / 1000).toFixed(1)} s after the last write; ` +
          `queued for lagging sockets: ${((metrics.value("live_ticker_queued_bytes") ?? 0) / MiB).toFixed(1)} MiB`,
      );
      expect(metrics.value("live_ticker_subscriptions", { storyId: "slow" })).toBe(3 + SLOW_READERS); // set aside, still following
      // Unbounded, the slow readers' queues would hold every patch: 1 000 × 18 KB of text shared by
      // all, and for each reader a copy of every WebSocket frame written to it, less what the
      // kernel's socket buffers took: about 15 MB a reader, over 200 MB in all (measured with the
      // bound lifted: RSS +249 MiB, 209 MiB queued). Bounded, they queue 1 MiB each (measured:
      // RSS +35 MiB, the rest being the heap and allocator under 1 000 writes).
      expect(peak - before).toBeLessThan(100 * MiB);

      await resumed;
      await until(() => slow.every((r) => r.follower.version === final.version), "the slow readers to be brought level", 30_000);
      for (const r of slow) {
        expect(r.lean.closed).toBe(false); // a stall shorter than the heartbeat's keeps the connection
        expect(r.follower.snapshot).toEqual(final);
        // Every message applied onto the version it had, or was older than it: never a gap.
        expect(r.results).not.toContain("gap");
      }
      // Every reader was sent its snapshot on subscribing; each time a slow one was set aside (once,
      // unless the updates outlasted the pause), one catch-up brought it level.
      const caughtUp = await scrape(server.url);
      const setAside = caughtUp.value("live_ticker_readers_behind_total")!;
      expect(setAside).toBeGreaterThanOrEqual(SLOW_READERS);
      const sends = (kind: string) => caughtUp.value("live_ticker_subscribe_sends_total", { kind }) ?? 0;
      expect(sends("snapshot") + sends("patch")).toBe(3 + SLOW_READERS + setAside);
      await stopChild(server.process);
    },
  );
});
