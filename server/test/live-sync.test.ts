import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import type { Snapshot } from "../../shared/story.js";
import { connectLive, followStory, type LiveSocket } from "../../client/lib/live-client.js";
import type { ErrorBody } from "../../shared/api.js";
import { newEntryId } from "../../shared/ids.js";
import { diffSnapshots } from "../../shared/patch.js";
import { encodeOnce } from "../live/shared-encoding.js";
import { createApp } from "../app.js";
import { SEPARATE_VERSIONS } from "../live/sequencer.js";
import { loadConfig } from "../config.js";
import { SqliteStore } from "../store/sqlite-store.js";
import { startServer, type TestServer } from "./harness.js";

/** Resolves when `check` holds, polling; fails with `what` after `ms`. */
async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A real socket following a story, recording every version it passes through and how. */
function reader(server: TestServer, storyId: string, initial?: Snapshot, transports?: ("websocket" | "polling")[]) {
  const socket: LiveSocket = server.socket(transports);
  const versions: number[] = [];
  const via: string[] = [];
  const messages: string[] = [];
  socket.onAny((event: string) => messages.push(event));
  const sent: string[] = [];
  socket.onAnyOutgoing((event: string) => sent.push(event));
  const follow = followStory(socket, storyId, {
    ...(initial ? { initial } : {}),
    onChange: (snapshot, how) => {
      versions.push(snapshot.version);
      via.push(how);
    },
  });
  return { socket, versions, via, messages, sent, follow, get snapshot() { return follow.follower.snapshot; } };
}

describe("live sync over Socket.IO", () => {
  let server: TestServer;
  let storyId: string;
  const latest = async (): Promise<Snapshot> => (await server.api(`/api/stories/${storyId}`)).json();
  const post = async (body: string) => {
    const res = await server.api(`/api/stories/${storyId}/entries`, { body: { body } });
    expect(res.status).toBe(201);
    return (await res.json()) as { entry: { id: string }; version: number };
  };

  beforeEach(async () => {
    server = await startServer();
    const res = await server.api("/api/stories", { body: { title: "Live sync" } });
    storyId = ((await res.json()) as Snapshot).id;
  });
  afterEach(() => server.close());

  it("brings two readers through 50 mixed writes: every version once, in order, deep-equal at the end", async () => {
    const a = reader(server, storyId);
    const b = reader(server, storyId);
    await until(() => a.versions.length > 0 && b.versions.length > 0, "both initial snapshots");

    const entryIds: string[] = [];
    for (let n = 0; n < 50; n++) {
      const kind = n % 5;
      let res: Response;
      if (kind === 3 && entryIds.length > 0) {
        res = await server.api(`/api/stories/${storyId}/entries/${entryIds[n % entryIds.length]}`, {
          method: "PATCH",
          body: { body: `Edited ${n}`, kind: "correction", pinned: n % 2 === 0 },
        });
      } else if (kind === 4 && entryIds.length > 2) {
        res = await server.api(`/api/stories/${storyId}/entries/${entryIds.shift()}`, { method: "DELETE" });
      } else if (n === 25) {
        res = await server.api(`/api/stories/${storyId}`, { method: "PATCH", body: { title: "Live sync, updated", summary: "Halfway" } });
      } else {
        res = await server.api(`/api/stories/${storyId}/entries`, { body: { body: `Update **${n}**`, headline: `H${n}` } });
        entryIds.push(((await res.clone().json()) as { entry: { id: string } }).entry.id);
      }
      expect(res.status).toBeLessThan(300);
    }

    const final = await latest();
    expect(final.version).toBe(51);
    await until(() => a.snapshot?.version === 51 && b.snapshot?.version === 51, "both readers at the latest version");
    for (const r of [a, b]) {
      expect(r.snapshot).toEqual(final);
      expect(r.versions).toEqual(Array.from({ length: 51 }, (_, i) => i + 1)); // once each, in order
      expect(r.via).toEqual(["snapshot", ...Array(50).fill("patch")]);
    }
  });

  it("keeps every transport in order while writes come faster than fan-outs: polling, polling upgraded to WebSocket, WebSocket", async () => {
    // Fan-outs write frames straight to a WebSocket that has nothing queued in engine.io
    // (live/readers/reader-wire.ts) and hand everything else to engine.io: each path, and a reader
    // moving from one to the other as it upgrades, must still see each version once and in order.
    const readers = [reader(server, storyId, undefined, ["polling"]), reader(server, storyId, undefined, ["polling", "websocket"]), reader(server, storyId)];
    await until(() => readers.every((r) => r.versions.length > 0), "every initial snapshot");
    const writes = await Promise.all(Array.from({ length: 40 }, (_, n) => post(`Burst ${n}`)));
    const last = Math.max(...writes.map((w) => w.version));
    await until(() => readers.every((r) => r.snapshot?.version === last), "every reader at the latest version", 15_000);
    const final = await latest();
    expect(readers[1]!.socket.io.engine.transport.name).toBe("websocket");
    for (const r of readers) {
      expect(r.snapshot).toEqual(final);
      expect(r.versions).toEqual([...r.versions].sort((x, y) => x - y));
      expect(new Set(r.versions).size).toBe(r.versions.length);
      // A patch out of order would be a gap, which the client mends by subscribing again.
      expect(r.sent.filter((event) => event === "subscribe").length).toBeLessThanOrEqual(1);
    }
  });

  /** Gives the story weight, so that a few missed updates are much smaller than the snapshot. */
  const backlog = async (n: number) => {
    let last = { version: 0 };
    for (let i = 0; i < n; i++) last = await post(`Earlier update ${i}: ${"background detail ".repeat(20)}`);
    return last;
  };

  it("catches a reconnecting reader up with one patch, and sends a snapshot when that is smaller", async () => {
    const first = await backlog(30);
    const r = reader(server, storyId);
    await until(() => r.snapshot?.version === first.version, "the reader to be current");

    r.socket.disconnect();
    for (let n = 0; n < 20; n++) await post(`Missed ${n}`);
    r.messages.length = 0;
    r.socket.connect();
    await until(() => r.snapshot?.version === first.version + 20, "the reader to catch up");
    expect(r.messages).toEqual(["patch"]); // one message brings it level, no snapshot
    expect(r.snapshot).toEqual(await latest());

    // A reader from before the backlog would need a patch as big as the story: it gets the snapshot.
    const far = reader(server, storyId, (await (await server.api(`/api/stories/${storyId}?version=1`)).json()) as Snapshot);
    await until(() => far.snapshot?.version === first.version + 20, "the far-behind reader");
    expect(far.messages).toEqual(["snapshot"]);

    // Removing everything makes the snapshot tiny: a reader from before gets it rather than 50 removals.
    const snap = (await latest()) as Snapshot;
    for (const id of Object.keys(snap.entries)) {
      expect((await server.api(`/api/stories/${storyId}/entries/${id}`, { method: "DELETE" })).status).toBe(200);
    }
    const behind = reader(server, storyId, (await (await server.api(`/api/stories/${storyId}?version=${first.version}`)).json()) as Snapshot);
    const end = (await latest()).version;
    await until(() => behind.snapshot?.version === end, "the reader behind an emptied story");
    expect(behind.messages).toEqual(["snapshot"]);
    expect(behind.snapshot).toEqual(await latest());
  });

  it("sends nothing but an ack to a reader that is already current, and a snapshot to one with no version", async () => {
    const { version } = await post("Hello");
    const current = reader(server, storyId, await latest());
    const fresh = reader(server, storyId);
    await until(() => fresh.versions.length === 1, "the fresh reader's snapshot");
    expect(fresh.messages).toEqual(["snapshot"]);

    // A socket's messages arrive in order: had the current reader been sent anything on
    // subscribing, it would come before the next version's patch.
    await post("Next");
    await until(() => current.snapshot?.version === version + 1 && fresh.snapshot?.version === version + 1, "both readers");
    expect(current.messages).toEqual(["patch"]);
  });

  it("recovers from a gap by re-subscribing with its version, never applying out of order", async () => {
    const { version } = await backlog(10);
    const r = reader(server, storyId);
    await until(() => r.snapshot !== undefined, "the snapshot");
    // Simulate a lost message: the reader leaves the broadcasts without knowing, three versions
    // pass, and the last one reaches it alone, which reveals the gap.
    r.socket.emit("unsubscribe", { storyId });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await post("lost 1");
    await post("lost 2");
    await post("seen");
    const [from, to] = await Promise.all([server.app.store.snapshotAt(storyId, version + 2), server.app.store.snapshotAt(storyId, version + 3)]);
    const serverSide = server.app.io.sockets.sockets.get(r.socket.id!)!;
    serverSide.emit("patch", encodeOnce({ storyId, from: version + 2, to: version + 3, ops: diffSnapshots(from!, to!) }));
    await until(() => r.snapshot?.version === version + 3, "the reader to close the gap");
    expect(r.snapshot).toEqual(await latest());
    expect(r.versions).toEqual([version, version + 3]);
    expect(r.messages).toEqual(["snapshot", "patch", "patch"]); // the gapped broadcast, then the catch-up
  });

  describe("a fan-out that has to pause between shards (a clock that runs 5 ms per look)", () => {
    let clock: MockInstance<() => number>;
    beforeEach(() => {
      let now = 0;
      clock = vi.spyOn(performance, "now").mockImplementation(() => (now += 5));
    });
    afterEach(() => clock.mockRestore());

    /** `count` entries committed at once through the write path, as a busy desk would. */
    const burst = (count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, n) =>
          server.app.service.apply(storyId, { type: "add_entry", entryId: newEntryId(), kind: "update", pinned: false, body: `Burst ${n}` }, { author: { name: "Desk" } }),
        ),
      );

    it(`sends up to ${SEPARATE_VERSIONS} versions that queued up meanwhile one patch each, in order`, async () => {
      const r = reader(server, storyId);
      await until(() => r.snapshot !== undefined, "the snapshot");
      const start = r.snapshot!.version;
      await burst(SEPARATE_VERSIONS);
      await until(() => r.snapshot?.version === start + SEPARATE_VERSIONS, "the reader to reach the last version");
      expect(r.versions).toEqual(Array.from({ length: SEPARATE_VERSIONS + 1 }, (_, i) => start + i));
      expect(r.messages).toEqual(["snapshot", ...Array(SEPARATE_VERSIONS).fill("patch")]);
      expect(r.snapshot).toEqual(await latest());
    });

    it(`sends a backlog of more than ${SEPARATE_VERSIONS} versions as one patch spanning it, with no gap`, async () => {
      const r = reader(server, storyId);
      await until(() => r.snapshot !== undefined, "the snapshot");
      const start = r.snapshot!.version;
      await burst(15);
      await until(() => r.snapshot?.version === start + 15, "the reader to reach the last version");
      // The burst commits before its fan-out starts (or while its first patch goes out): more
      // than SEPARATE_VERSIONS versions reach the reader as one patch.
      const steps = r.versions.slice(1).map((version, i) => version - r.versions[i]!);
      expect(steps.some((step) => step > SEPARATE_VERSIONS)).toBe(true);
      expect(r.via.slice(1).every((how) => how === "patch")).toBe(true);
      expect(r.snapshot).toEqual(await latest());
    });
  });

  it("stops following after unsubscribe", async () => {
    const r = reader(server, storyId);
    const witness = reader(server, storyId);
    await until(() => r.snapshot !== undefined && witness.snapshot !== undefined, "the snapshots");
    r.follow.stop();
    const patches: number[] = [];
    r.socket.on("patch", (patch) => patches.push(patch.to));
    const { version: unwanted } = await post("after stop");
    await until(() => witness.snapshot?.version === unwanted, "the version to reach the story's readers");
    // Following again from that version, the next patch is the first thing it gets (in order on
    // its socket), so a patch for "after stop" would have come before it.
    expect(await r.socket.emitWithAck("subscribe", { storyId, version: unwanted })).toEqual({ ok: true, version: unwanted });
    const { version: wanted } = await post("following again");
    await until(() => patches.length > 0, "the patch after following again");
    expect(patches).toEqual([wanted]);
    expect(r.messages).toEqual(["snapshot", "patch"]);
  });
});

describe("subscription bookkeeping under parallel events", () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(() => server.close());

  it("lets an unsubscribe overtake a subscribe that is still loading", async () => {
    await server.api("/api/stories", { body: { id: "race", title: "Race" } });
    await server.api("/api/stories/race/entries", { body: { body: "so that version 1 needs a catch-up read" } });
    const witness = reader(server, "race");
    const write = async (body: string) => ((await (await server.api("/api/stories/race/entries", { body: { body } })).json()) as { version: number }).version;
    for (let round = 0; round < 10; round++) {
      const socket = server.socket();
      const got: { event: string; to?: number }[] = [];
      socket.onAny((event: string, message: { to?: number }) => got.push({ event, to: message?.to }));
      const subscribed = socket.emitWithAck("subscribe", { storyId: "race", version: 1 });
      const unsubscribed = socket.emitWithAck("unsubscribe", { storyId: "race" });
      await Promise.all([subscribed, unsubscribed]);
      const unwanted = await write(`round ${round}`);
      await until(() => witness.snapshot?.version === unwanted, "the round's version to reach the story's readers");
      // Subscribed again at that version, the next version is the first message it gets (they
      // arrive in order), so the round's patch, had the unsubscribe lost, would come before it.
      expect(await socket.emitWithAck("subscribe", { storyId: "race", version: unwanted })).toEqual({ ok: true, version: unwanted });
      const wanted = await write(`round ${round}, subscribed again`);
      await until(() => got.length > 0, "the patch after subscribing again");
      expect(got).toEqual([{ event: "patch", to: wanted }]);
      socket.disconnect();
    }
  });

  it("holds the per-connection cap when subscribes arrive all at once", async () => {
    for (let n = 0; n < 55; n++) await server.api("/api/stories", { body: { id: `cap-${n}`, title: `Cap ${n}` } });
    const socket = server.socket();
    const acks = await Promise.all(Array.from({ length: 55 }, (_, n) => socket.emitWithAck("subscribe", { storyId: `cap-${n}` })));
    expect(acks.filter((a) => a.ok)).toHaveLength(50);
    expect(acks.filter((a) => !a.ok).map((a) => !a.ok && a.error.code)).toEqual(Array(5).fill("too_many_subscriptions"));
  });

  it("keeps a reader that subscribes again in its shard, so that it gets each patch once", async () => {
    await server.api("/api/stories", { body: { id: "again", title: "Again" } });
    const socket = server.socket();
    const got: number[] = [];
    socket.on("patch", (patch) => got.push(patch.to));
    for (let n = 0; n < 3; n++) expect(await socket.emitWithAck("subscribe", { storyId: "again", version: 1 })).toEqual({ ok: true, version: 1 });
    await server.api("/api/stories/again/entries", { body: { body: "Once" } });
    await server.api("/api/stories/again/entries", { body: { body: "Twice" } });
    // Each patch once, in order: a second copy of version 2 would come before version 3.
    await until(() => got.includes(3), "the second patch");
    expect(got).toEqual([2, 3]);
  });

  it("tells a newer client its protocol is unsupported even when the rest of its payload is new too", async () => {
    const socket = server.socket();
    const ack = await socket.emitWithAck("subscribe", { storyId: "x", protocol: 2, since: "abc" } as never);
    expect(ack).toMatchObject({ ok: false, error: { code: "protocol_unsupported" } });
  });
});

describe("EMBED_ORIGINS", () => {
  it("refuses socket connections from browsers on other sites, websocket included, with a reason the client library reports", async () => {
    const dir = mkdtempSync(join(tmpdir(), "live-ticker-origins-"));
    const config = loadConfig({ PORT: "0", DATA_DIR: dir, EMBED_ORIGINS: "https://partner.example" });
    const app = createApp(config, new SqliteStore(join(dir, "db")), { log: pino({ level: "silent" }) });
    const url = `http://127.0.0.1:${await app.listen()}`;
    await app.service.createStory({ id: "s", title: "S" }, { author: { name: "Desk" } });
    /** "connected", or the error our client library reported. */
    const attempt = (origin: string | undefined, transport: "websocket" | "polling") =>
      new Promise<"connected" | ErrorBody>((resolve) => {
        const socket = connectLive(url, { transports: [transport], reconnection: false, ...(origin ? { extraHeaders: { origin } } : {}) });
        const follow = followStory(socket, "s", { onError: (error) => (follow.stop(), socket.disconnect(), resolve(error)) });
        socket.on("connect", () => (follow.stop(), socket.disconnect(), resolve("connected")));
      });
    const refused = {
      code: "origin_not_allowed",
      message: "Pages on this site may not open live connections to this server (EMBED_ORIGINS).",
    };
    try {
      expect(await attempt("https://evil.example", "websocket")).toEqual(refused);
      expect(await attempt("https://evil.example", "polling")).toEqual(refused);
      expect(await attempt("https://partner.example", "websocket")).toBe("connected");
      expect(await attempt(undefined, "websocket")).toBe("connected");
      await expect.poll(() => app.io.engine.clientsCount).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe("the hub's cache of latest snapshots", () => {
  it("never forgets a story someone here follows, however many others pass through", async () => {
    const server = await startServer({ env: { MAX_STORIES: "2000" } });
    try {
      await server.api("/api/stories", { body: { id: "followed", title: "Followed" } });
      const r = reader(server, "followed");
      await until(() => r.snapshot?.version === 1, "the snapshot");
      // More stories than the cache holds, each created (and so cached) after the followed one.
      for (let n = 0; n < 1_010; n++) {
        await server.app.service.createStory({ id: `other-${n}`, title: `Other ${n}` }, { author: { name: "Desk" } });
      }
      await server.api("/api/stories/followed/entries", { body: { body: "Still live?" } });
      await until(() => r.snapshot?.version === 2, "the update to reach the reader", 3000);
      expect(r.messages).toEqual(["snapshot", "patch"]);
    } finally {
      await server.close();
    }
  });
});
