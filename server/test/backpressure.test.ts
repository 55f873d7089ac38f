import { afterEach, describe, expect, it } from "vitest";
import type { PatchMessage, SnapshotMessage } from "../../shared/protocol.js";
import type { Snapshot } from "../../shared/story.js";
import { StoryFollower } from "../../shared/follower.js";
import { followStory } from "../../client/lib/live-client.js";
import { LeanSocket } from "../../bench/load/lean-socket.js";
import type { Metrics } from "../metrics.js";
import { startServer, UNTHROTTLED, type TestServer } from "./harness.js";
import { parseMetrics } from "./scrape.js";

/** Resolves when `check` holds, polling; fails with `what` after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const KiB = 1024;
const MiB = 1024 * KiB;
/** A 9 000-character body: each edit is a patch of about 18 KB, so that queues fill in a few hundred writes. */
const bodyOf = (n: number) => `Update ${n}: ${"the situation develops, details follow. ".repeat(225)}`.slice(0, 9_000);
const valueOf = async (counter: Metrics["readersBehind"]) => (await counter.get()).values[0]?.value ?? 0;

/** A raw-WebSocket reader (it can stop reading) following stories, recording what each message did. */
function rawReader(server: TestServer) {
  const followers = new Map<string, StoryFollower>();
  const results: string[] = [];
  const lean = new LeanSocket(server.url, "socketio", ({ event, payload }) => {
    const message = payload as SnapshotMessage | PatchMessage;
    const follower = followers.get(message.storyId)!;
    results.push("snapshot" in message ? follower.onSnapshot(message) : follower.onPatch(message as PatchMessage));
  });
  return {
    lean,
    results,
    version: (storyId: string) => followers.get(storyId)?.version,
    snapshot: (storyId: string) => followers.get(storyId)?.snapshot,
    async follow(storyId: string) {
      followers.set(storyId, new StoryFollower(storyId));
      await lean.opened;
      expect(await lean.emitWithAck("subscribe", { storyId })).toMatchObject({ ok: true });
    },
  };
}

describe("backpressure on readers' outgoing queues", () => {
  let server: TestServer;
  const leans: LeanSocket[] = [];
  afterEach(async () => {
    for (const lean of leans.splice(0)) lean.close();
    await server.close();
  });

  const story = async (id: string) => {
    expect((await server.api("/api/stories", { body: { id, title: id } })).status).toBe(201);
    const res = await server.api(`/api/stories/${id}/entries`, { body: { body: bodyOf(0) } });
    const entryId = ((await res.json()) as { entry: { id: string } }).entry.id;
    return async (n: number) => expect((await server.api(`/api/stories/${id}/entries/${entryId}`, { method: "PATCH", body: { body: bodyOf(n) } })).status).toBe(200);
  };
  const latest = async (id: string) => (await (await server.api(`/api/stories/${id}`)).json()) as Snapshot;

  it("sets a reader aside on every story it lags on, brings it level on each once it drains, and drops the catch-up of a story it left", async () => {
    server = await startServer({ queueLimits: { socketBytes: 256 * KiB, totalBytes: 256 * MiB }, env: UNTHROTTLED });
    const edits = { one: await story("one"), two: await story("two"), three: await story("three") };
    const slow = rawReader(server);
    leans.push(slow.lean);
    for (const id of ["one", "two", "three"]) await slow.follow(id);
    const ordinary = followStory(server.socket(), "one");
    await until(() => ["one", "two", "three"].every((id) => slow.version(id) === 2) && ordinary.follower.version === 2, "everyone's snapshots");

    slow.lean.pause();
    const behind = server.app.metrics.readersBehind;
    for (let n = 1; (await valueOf(behind)) < 3; n++) {
      if (n > 2_000) throw new Error("the paused reader was never set aside on all three stories");
      await edits[(["one", "two", "three"] as const)[n % 3]!](n);
    }
    // More versions go out while it is set aside; its catch-ups must cover them.
    for (let n = 0; n < 9; n++) await edits[(["one", "two", "three"] as const)[n % 3]!](10_000 + n);
    // It leaves story three while set aside (its requests still reach the server): no catch-up for three.
    void slow.lean.emitWithAck("unsubscribe", { storyId: "three" });
    await until(async () => parseMetrics(await server.app.metrics.text()).value("live_ticker_subscriptions", { storyId: "three" }) === undefined, "the unsubscribe");
    const sendsBefore = (await server.app.metrics.subscribeSends.get()).values.reduce((sum, v) => sum + v.value, 0);

    slow.lean.resume();
    const [one, two] = [await latest("one"), await latest("two")];
    await until(() => slow.version("one") === one.version && slow.version("two") === two.version, "the slow reader level on one and two");
    expect(slow.snapshot("one")).toEqual(one);
    expect(slow.snapshot("two")).toEqual(two);
    expect(slow.results).not.toContain("gap");
    expect(ordinary.follower.snapshot).toEqual(one);
    await new Promise((r) => setTimeout(r, 200));
    const sendsAfter = (await server.app.metrics.subscribeSends.get()).values.reduce((sum, v) => sum + v.value, 0);
    expect(sendsAfter - sendsBefore).toBe(2); // one catch-up each for one and two, none for three
    expect(await valueOf(behind)).toBe(3);
    expect(slow.lean.closed).toBe(false);
  });

  it("disconnects the laggiest readers when all queues together pass the memory cap, and no one else", async () => {
    // Each socket may queue 64 MiB, all together 1 MiB: the cap acts first.
    server = await startServer({ queueLimits: { socketBytes: 64 * MiB, totalBytes: 1 * MiB }, env: UNTHROTTLED });
    const edit = await story("capped");
    const first = rawReader(server);
    const second = rawReader(server);
    leans.push(first.lean, second.lean);
    await first.follow("capped");
    await second.follow("capped");
    const ordinary = followStory(server.socket(), "capped");
    await until(() => first.version("capped") === 2 && second.version("capped") === 2 && ordinary.follower.version === 2, "the snapshots");

    // The first stops reading long before the second: it is the laggiest when the cap is reached.
    first.lean.pause();
    let n = 1;
    for (; n <= 50; n++) await edit(n);
    second.lean.pause();
    const dropped = server.app.metrics.readersDropped;
    for (; (await valueOf(dropped)) === 0; n++) {
      if (n > 2_000) throw new Error("nobody was disconnected");
      await edit(n);
    }
    expect(await valueOf(dropped)).toBe(1);
    expect(server.app.io.sockets.sockets.size).toBe(2); // the second and the ordinary reader
    await edit(n); // a write after the drop reaches the others as usual

    first.lean.resume();
    second.lean.resume();
    const final = await latest("capped");
    await until(() => first.lean.closed, "the first reader to see its connection closed");
    await until(() => second.version("capped") === final.version && ordinary.follower.version === final.version, "the others level");
    expect(second.snapshot("capped")).toEqual(final);
    expect(second.results).not.toContain("gap");
    expect(second.lean.closed).toBe(false);
    expect(ordinary.follower.snapshot).toEqual(final);
  });
});
