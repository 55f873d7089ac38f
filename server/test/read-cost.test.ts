/**
 * Anonymous reads are cheap and bounded: on a story of about 1 MB with 20 removed entries (and three
 * more big stories), no feed, page, story list, 404, old version or socket subscribe with an old
 * version holds the server's event loop for long. Measured in a real server process (main.ts,
 * SQLite, built pages) by server/test/loop-delay-probe.ts, while this process plays the readers.
 *
 * What is asserted is the CPU time the server spent between two turns of its event loop (a 2 ms
 * timer): the time it was held by work. A wall-clock event-loop delay would also count the time
 * the process waited for a core, which on this shared two-core machine is often longer than the
 * work itself. The target is ~20 ms; the bound is 50 ms, for the GC pauses and slower cores of a
 * loaded machine, and a burst past it is measured again (up to five times, on versions and sockets
 * not used before), so that one unlucky pause is not a failure while a read that really costs that
 * much fails every time. Before reads were made cheap, two feed requests held the loop for over a
 * second, and so did twenty subscribes with old versions from one socket.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, ClientToServerEvents, ServerToClientEvents } from "../../shared/protocol.js";
import type { Entry } from "../../shared/story.js";
import { startChild, stopChild, type Child } from "./child-server.js";
import { TOKEN } from "./harness.js";
import { askProbe, LOOP_DELAY_PROBE } from "./loop-delay.js";
import { longBody } from "./long-prose.js";

const BOUND_MS = 50;
/**
 * The bound of the one burst that sends several 1 MB bodies at once (old versions, the latest, two
 * patches, the history: nine concurrent reads, three rounds), which the loop may serve in one turn.
 * On a slower two-core machine (2026-12-07) each of those reads alone held it 18-25 ms and the
 * burst 55-67 ms on a quiet machine, on the code before and after that day's changes alike; the
 * regressions this suite exists for held it for over a second.
 */
const BURST_BOUND_MS = 80;
const TRIES = 10;
const STORY = "big-story";

let child: Child;
let dataDir: string;
const versions: number[] = [];

/**
 * The longest the server's event loop was held by work while `burst` ran: the least of up to TRIES
 * runs when one passes the bound. `burst(attempt)` must not make a later attempt cheaper than the first
 * (it asks for other versions, or opens new sockets).
 */
async function worstDelay(burst: (attempt: number) => Promise<void>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < TRIES && best >= BOUND_MS; attempt++) {
    await askProbe(child, "reset");
    await burst(attempt);
    const { heldMs, delayMs, gcMs } = await askProbe(child, "read");
    if (process.env.SHOW_DELAYS) {
      console.log(`${expect.getState().currentTestName}: held ${heldMs.toFixed(1)} ms (wall-clock delay ${delayMs.toFixed(1)} ms, longest GC ${gcMs.toFixed(1)} ms)`);
    }
    best = Math.min(best, heldMs);
  }
  return best;
}

const write = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await fetch(child.url + path, {
    method: init.method ?? "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as { entry?: Entry; version: number };
};

/** A read whose body is drained but not parsed: this process must stay light, it is the readers. */
const read = async (path: string, status = 200) => {
  const res = await fetch(child.url + path);
  await res.arrayBuffer();
  expect(res.status, path).toBe(status);
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "live-ticker-read-cost-"));
  child = await startChild(dataDir, { imports: [LOOP_DELAY_PROBE], env: { WRITES_PER_MINUTE: "1000000" } });
  await write("/api/stories", { body: { id: STORY, title: "A big story" } });
  versions.push(1);
  // 80 entries; every fourth is removed again soon after, so removals are spread over the log
  // (the versions before them span several checkpoints).
  for (let n = 0; n < 80; n++) {
    const added = await write(`/api/stories/${STORY}/entries`, { body: { body: longBody(n), headline: `Update ${n}` } });
    versions.push(added.version);
    if (n % 4 === 3) versions.push((await write(`/api/stories/${STORY}/entries/${added.entry!.id}`, { method: "DELETE" })).version);
  }
  const size = (await (await fetch(`${child.url}/api/stories/${STORY}`)).text()).length;
  expect(size).toBeGreaterThan(1_000_000);
  expect(versions.at(-1)).toBe(101);
  // More big stories, for the story list (which once parsed every story's whole snapshot).
  for (const other of ["big-2", "big-3", "big-4"]) {
    await write("/api/stories", { body: { id: other, title: other } });
    for (let n = 0; n < 40; n++) await write(`/api/stories/${other}/entries`, { body: { body: longBody(n) } });
  }
}, 120_000);

afterAll(async () => {
  if (child) await stopChild(child.process);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("anonymous reads of a 1 MB story with 20 removals hold the event loop briefly", () => {
  it("Atom and JSON feeds, again and again (after each format's first render)", async () => {
    const feeds = [`/stories/${STORY}/feed.atom`, `/stories/${STORY}/feed.json`];
    for (const feed of feeds) await read(feed); // the first render of a version may take longer, once
    const delay = await worstDelay(async () => {
      for (let round = 0; round < 5; round++) await Promise.all(feeds.map((feed) => read(feed)));
    });
    expect(delay).toBeLessThan(BOUND_MS);
  });

  it("the live page, its ticker, its history and its embed in any theme and accent (after each one's first render)", async () => {
    const pages = [`/stories/${STORY}`, `/stories/${STORY}/ticker`, `/stories/${STORY}/history`, `/embed/${STORY}?layout=list`];
    for (const page of pages) await read(page);
    const delay = await worstDelay(async (attempt) => {
      for (let round = 0; round < 3; round++) {
        const accent = `%23${(attempt * 16 + round).toString(16).padStart(6, "0")}`;
        await Promise.all([...pages, `/embed/${STORY}?layout=list&theme=dark&accent=${accent}`].map((page) => read(page)));
      }
    });
    expect(delay).toBeLessThan(BOUND_MS);
  });

  it("the story list, the list page and 404 pages, with four big stories", async () => {
    const delay = await worstDelay(async () => {
      for (let round = 0; round < 5; round++) {
        await Promise.all([read("/api/stories"), read("/"), read("/stories/no-such-story", 404), read("/stories/gone/feed.atom", 404)]);
      }
    });
    expect(delay).toBeLessThan(BOUND_MS);
  });

  it("the latest version, old ones, patches between them and the history over HTTP (each old version rebuilt once)", async () => {
    const delay = await worstDelay(async (attempt) => {
      // Each attempt reads versions not read before (TRIES of them below the first), all of them real.
      const old = [TRIES + 2, 30, 49, 75, 97].map((version) => version - attempt);
      for (const version of old) await read(`/api/stories/${STORY}?version=${version}`); // each rebuilt here
      for (let round = 0; round < 3; round++) {
        await Promise.all([
          ...old.map((version) => read(`/api/stories/${STORY}?version=${version}`)),
          read(`/api/stories/${STORY}`),
          read(`/api/stories/${STORY}/patch?from=${old[3]}`),
          read(`/api/stories/${STORY}/patch?from=${old[2]}&to=${old[4]}`),
          read(`/api/stories/${STORY}/history`),
        ]);
      }
    });
    expect(delay).toBeLessThan(BURST_BOUND_MS);
  });

  describe("socket subscribes with old versions", () => {
    const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];
    const open = async () => {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(child.url, { transports: ["websocket"], reconnection: false });
      sockets.push(socket);
      await new Promise((resolve) => socket.once("connect", () => resolve(undefined)));
      return socket;
    };
    const subscribe = (socket: Socket<ServerToClientEvents, ClientToServerEvents>, version: number) =>
      socket.timeout(30_000).emitWithAck("subscribe", { storyId: STORY, version }) as Promise<Ack>;
    afterAll(() => {
      for (const socket of sockets) socket.disconnect();
    });

    // Versions 51 to 99 are rebuilt from the checkpoint at 50 and up to 49 patches, on ~1 MB.
    it("twenty at once from one socket (those overtaken by a later one are dropped before any rebuild)", async () => {
      const delay = await worstDelay(async (attempt) => {
        const socket = await open();
        const acks = await Promise.all(Array.from({ length: 20 }, (_, n) => subscribe(socket, 99 - attempt - 2 * n)));
        expect(acks.at(-1)).toMatchObject({ ok: true, version: 101 });
        for (const ack of acks.slice(0, -1)) expect(ack.ok || ack.error.code === "cancelled").toBe(true);
      });
      expect(delay).toBeLessThan(BOUND_MS);
    });

    it("one after another, each from another old version", async () => {
      const socket = await open();
      const delay = await worstDelay(async (attempt) => {
        // Versions not asked for before: each is rebuilt from a checkpoint and the log.
        for (let n = 0; n < 5; n++) expect(await subscribe(socket, 96 - attempt - 5 * n)).toMatchObject({ ok: true, version: 101 });
      });
      expect(delay).toBeLessThan(BOUND_MS);
    });

    it("ten sockets coming back at once from the same cached page's version", async () => {
      const delay = await worstDelay(async (attempt) => {
        const readers = await Promise.all(Array.from({ length: 10 }, () => open()));
        const acks = await Promise.all(readers.map((socket) => subscribe(socket, 98 - attempt * 5)));
        for (const ack of acks) expect(ack).toMatchObject({ ok: true, version: 101 });
      });
      expect(delay).toBeLessThan(BOUND_MS);
    });
  });
});
