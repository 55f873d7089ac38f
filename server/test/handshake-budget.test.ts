/**
 * What subscribing in the handshake costs (DESIGN.md §4: "charged to the same limits"): tokens of
 * the socket's event bucket, as a subscribe would take, and of its address's budgets (new
 * connections, subscriptions), which fresh connections, each with a full bucket of its own, do
 * not multiply. A refused reader is told why and when to come back, and the client library does.
 */
import { io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { connectLive, followStory, type LiveSocket } from "../../client/lib/live-client.js";
import type { Ack, ConnectionRefusal } from "../../shared/protocol.js";
import type { Snapshot } from "../../shared/story.js";
import { startServer, type TestServer } from "./harness.js";

const STORIES = ["b-1", "b-2", "b-3"];

describe("the budget of a handshake's subscriptions", () => {
  let server: TestServer;
  const sockets: LiveSocket[] = [];
  const start = async (env: Record<string, string>) => {
    server = await startServer({ env });
    for (const id of STORIES) expect((await server.api("/api/stories", { body: { id, title: id } })).status).toBe(201);
  };
  /** A bare socket.io-client connection with `stories` in its handshake; resolves connected, or with the refusal. */
  const connect = (stories: string[]) =>
    new Promise<{ socket: LiveSocket; refusal?: ConnectionRefusal }>((resolve) => {
      const socket: LiveSocket = io(server.url, { transports: ["websocket"], reconnection: false, auth: { protocol: 1, stories: stories.map((id) => ({ id })) } });
      sockets.push(socket);
      socket.once("connect", () => resolve({ socket }));
      socket.once("connect_error", (error) => resolve({ socket, refusal: (error as { data?: ConnectionRefusal }).data }));
    });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    await server.close();
  });

  it("takes a token of the socket's event bucket per story, as subscribe does", async () => {
    await start({ SOCKET_EVENT_BURST: "3", SOCKET_EVENTS_PER_MINUTE: "1" });
    const { socket, refusal } = await connect(STORIES);
    expect(refusal).toBeUndefined();
    const ack: Ack = await socket.emitWithAck("subscribe", { storyId: "b-1" });
    expect(ack).toMatchObject({ ok: false, error: { code: "rate_limited" } });
  });

  it("spans an address's connections: a handshake past the subscription budget is refused with when to retry", async () => {
    await start({ IP_SUBSCRIBE_BURST: "4", IP_SUBSCRIBES_PER_MINUTE: "60" });
    expect((await connect(STORIES)).refusal).toBeUndefined();
    const refused = await connect(STORIES);
    expect(refused.refusal).toEqual({ code: "rate_limited", message: "Too many subscriptions from this address; retry in 2 s.", details: { retryAfter: 2 } });
    expect(refused.socket.connected).toBe(false);
    // A subscribe event takes from the same budget: the one left, then none.
    const open = (await connect([])).socket;
    expect(await open.emitWithAck("subscribe", { storyId: "b-1" })).toMatchObject({ ok: true });
    expect(await open.emitWithAck("subscribe", { storyId: "b-2" })).toMatchObject({ ok: false, error: { code: "rate_limited", details: { retryAfter: 1 } } });
  });

  it("budgets an address's new connections, however few it holds open", async () => {
    await start({ IP_CONNECT_BURST: "2", IP_CONNECTS_PER_MINUTE: "6" });
    for (let n = 0; n < 2; n++) (await connect([])).socket.disconnect();
    expect((await connect([])).refusal).toEqual({ code: "rate_limited", message: "Too many new connections from this address; retry in 10 s.", details: { retryAfter: 10 } });
  });

  it("a refused reader keeps what it has, is told, and follows once the budget allows", { timeout: 20_000 }, async () => {
    await start({ IP_SUBSCRIBE_BURST: "1", IP_SUBSCRIBES_PER_MINUTE: "60" });
    expect((await connect(["b-3"])).refusal).toBeUndefined(); // the address's one subscription
    const socket = connectLive(server.url, { transports: ["websocket"], reconnectionDelay: 50, reconnectionDelayMax: 200 });
    sockets.push(socket);
    const initial = (await (await server.api("/api/stories/b-1")).json()) as Snapshot;
    const errors: string[] = [];
    const follow = followStory(socket, "b-1", { initial, onError: (error) => errors.push(error.code) });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    expect(errors).toEqual(["rate_limited"]);
    expect(follow.follower.snapshot).toEqual(initial); // the page kept what it had meanwhile
    const { version } = (await (await server.api("/api/stories/b-1/entries", { body: { body: "After the refusal." } })).json()) as { version: number };
    const deadline = Date.now() + 5_000;
    while (follow.follower.version !== version) {
      expect(Date.now(), "the retried reader to follow").toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});
