import { io } from "socket.io-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectLive, followStory, type LiveSocket } from "../../client/lib/live-client.js";
import type { Snapshot } from "../../shared/story.js";
import { startServer, type TestServer } from "./harness.js";
import { parseMetrics } from "./scrape.js";

/** Resolves when `check` holds, polling; fails with `what` after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("subscribing in the connection's handshake", () => {
  let server: TestServer;
  const sockets: LiveSocket[] = [];
  /** Readers following a story on the node, as GET /metrics reports them. */
  const readersOf = async (storyId: string) => parseMetrics(await server.app.metrics.text()).value("live_ticker_subscriptions", { storyId }) ?? 0;
  const latest = async (): Promise<Snapshot> => (await server.api("/api/stories/hs")).json();
  const post = async (body: string) => ((await (await server.api("/api/stories/hs/entries", { body: { body } })).json()) as { version: number }).version;
  /** A reader's socket as the pages open it, recording every event it is sent. */
  const open = (options: Parameters<typeof connectLive>[1] = {}) => {
    const socket = connectLive(server.url, { transports: ["websocket"], reconnectionDelay: 50, reconnectionDelayMax: 200, ...options });
    sockets.push(socket);
    const events: string[] = [];
    socket.onAny((event: string) => events.push(event));
    socket.onAnyOutgoing((event: string) => events.push(`sent ${event}`));
    return { socket, events };
  };

  beforeEach(async () => {
    server = await startServer();
    await server.api("/api/stories", { body: { id: "hs", title: "Handshake" } });
    await post("first");
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    await server.close();
  });

  it("a page holding the current version joins with no event either way, and gets the next versions as patches", async () => {
    const initial = await latest();
    const a = open();
    const b = open();
    const follows = [followStory(a.socket, "hs", { initial }), followStory(b.socket, "hs", { initial })];
    await until(() => a.socket.connected && b.socket.connected, "both connections");
    await until(async () => (await readersOf("hs")) === 2, "both readers following the story");
    const version = await post("next");
    await until(() => follows.every((f) => f.follower.version === version), "both readers at the next version");
    expect(a.events).toEqual(["patch"]);
    expect(b.events).toEqual(["patch"]);
    for (const follow of follows) expect(follow.follower.snapshot).toEqual(await latest());
  });

  it("a page holding an older version is sent one patch as it connects; one holding nothing, the snapshot", async () => {
    const old = await latest();
    await post("missed 1");
    await post("missed 2");
    const behind = open();
    const fresh = open();
    const follows = [followStory(behind.socket, "hs", { initial: old }), followStory(fresh.socket, "hs")];
    const current = await latest();
    await until(() => follows.every((f) => f.follower.version === current.version), "both readers level");
    expect(behind.events).toEqual(["patch"]);
    expect(fresh.events).toEqual(["snapshot"]);
    for (const follow of follows) expect(follow.follower.snapshot).toEqual(current);
  });

  it("a reader that reconnects says its version in the new handshake and gets only a patch for what it missed", async () => {
    const reader = open();
    const follow = followStory(reader.socket, "hs", { initial: await latest() });
    await until(async () => (await readersOf("hs")) === 1, "the reader following the story");
    // The server drops the connection (a deploy, a network change); versions pass meanwhile.
    const [serverSide] = await server.app.io.fetchSockets();
    serverSide!.disconnect(true);
    await until(() => !reader.socket.connected, "the drop");
    reader.socket.disconnect();
    const missed = await post("while away");
    reader.socket.connect();
    await until(() => follow.follower.version === missed, "the reader to catch up");
    expect(reader.events).toEqual(["patch"]);
    expect(follow.follower.snapshot).toEqual(await latest());
  });

  it("keeps the subscribe event: a story followed after the connection opened is subscribed by event", async () => {
    const reader = open();
    await until(() => reader.socket.connected, "the connection");
    const follow = followStory(reader.socket, "hs");
    await until(() => follow.follower.version !== undefined, "the snapshot");
    expect(reader.events).toEqual(["sent subscribe", "snapshot"]);
  });

  it.each([
    ["a story id that is not one", { stories: [{ id: "NOT AN ID" }] }, "bad_request"],
    ["a version that is not a positive integer", { stories: [{ id: "hs", version: 0 }] }, "bad_request"],
    ["stories that are not a list", { stories: "hs" }, "bad_request"],
    ["unknown keys", { stories: [], extra: 1 }, "bad_request"],
    ["the same story twice", { stories: [{ id: "hs" }, { id: "hs" }] }, "bad_request"],
    ["more stories than one connection may follow", { stories: Array.from({ length: 51 }, (_, n) => ({ id: `s-${n}` })) }, "too_many_subscriptions"],
    ["a protocol this server does not speak", { protocol: 99, stories: [{ id: "hs" }] }, "protocol_unsupported"],
  ])("refuses a handshake with %s, with the code that says why, and nothing is joined", async (_what, auth, code) => {
    const socket = io(server.url, { transports: ["websocket"], reconnection: false, auth });
    sockets.push(socket as LiveSocket);
    const error = await new Promise<Error & { data?: { code?: string } }>((resolve) => socket.once("connect_error", resolve));
    expect(error.data?.code).toBe(code);
    expect(await readersOf("hs")).toBe(0);
  });
});
