/**
 * Socket.IO input no client of ours sends, on the live namespace: malformed subscribe and
 * unsubscribe payloads (strings, arrays, bad versions, __proto__ keys, binary, 7 000-level-deep
 * nesting, an unknown protocol), events without acks or with unknown names, raw packets a
 * Socket.IO client would never write (reserved and numeric event names, lying binary attachments,
 * unknown namespaces), messages past MAX_SOCKET_MESSAGE_BYTES. Each is answered with its error ack
 * (or a closed or refused connection), sends no state and leaves the store unchanged.
 */
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Ack } from "../../shared/protocol.js";
import type { TestServer } from "./harness.js";
import { expectErrorAck, expectUnchanged, getJson } from "./hostile-assertions.js";
import { entries, nested, startHostileServer, STORY } from "./hostile-server.js";

let server: TestServer;
beforeAll(async () => {
  ({ server } = await startHostileServer());
});
afterAll(async () => {
  await server?.close();
});

const UNKNOWN_STORY = "no-such-story";
type TypedSocket = ReturnType<TestServer["socket"]>;

// ---------------------------------------------------------------------------------------------
// Socket.IO: raw packets a Socket.IO client would never send
// ---------------------------------------------------------------------------------------------

/** An Engine.IO/Socket.IO connection spoken by hand, connected to the default namespace. */
async function rawSocket(base: string): Promise<{ send: (frame: string | Buffer) => void; frames: string[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${base.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  ws.on("message", (data, isBinary) => frames.push(isBinary ? "<binary>" : String(data)));
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  ws.send("40");
  await expect.poll(() => frames.some((f) => f.startsWith("40{"))).toBe(true);
  return { send: (frame) => ws.send(frame), frames, closed };
}

/** Another client still gets served: the server survived whatever came before. */
async function expectServerServes(base: string): Promise<void> {
  const socket = connect(base, { transports: ["websocket"], reconnection: false });
  try {
    const ack = (await socket.timeout(5000).emitWithAck("subscribe", { storyId: STORY })) as Ack;
    expect(ack.ok).toBe(true);
  } finally {
    socket.disconnect();
  }
}

describe("Socket.IO hostile packets", () => {
  it.each([
    ["a reserved event name (disconnecting)", '42["disconnecting","server namespace disconnect"]'],
    ["a reserved event name (newListener)", '42["newListener","subscribe"]'],
    ["malformed packet JSON", '42["subscribe",{"storyId":'],
    ["an unknown packet type", "49[]"],
    ["a binary attachment count that lies", '451-["subscribe",{"_placeholder":true,"num":9}]'],
    ["a binary attachment 7 000 levels deep", `451-["subscribe",${"[".repeat(7_000)}{"_placeholder":true,"num":0}${"]".repeat(7_000)}]`],
  ])("%s closes that connection and nothing else", async (_name, frame) => {
    await expectUnchanged(server, async () => {
      const socket = await rawSocket(server.url);
      socket.send(frame);
      if (frame.startsWith("451-")) socket.send(Buffer.from("attachment"));
      await socket.closed;
      expect(socket.frames.filter((f) => f.startsWith("42"))).toEqual([]);
      await expectServerServes(server.url);
    });
  });

  it("answers payloads nested 7 000 levels deep with an error ack, and the connection goes on", async () => {
    await expectUnchanged(server, async () => {
      const socket = await rawSocket(server.url);
      socket.send(`420["subscribe",${nested(7_000)}]`);
      socket.send(`421["subscribe",{"storyId":"${STORY}","extra":${nested(7_000)}}]`);
      socket.send(`422["unsubscribe",{"storyId":${nested(7_000)}}]`);
      for (const id of [0, 1, 2]) {
        await expect.poll(() => socket.frames.find((f) => f.startsWith(`43${id}[`))).toBeDefined();
        expectErrorAck(JSON.parse(socket.frames.find((f) => f.startsWith(`43${id}[`))!.slice(3))[0], "bad_request");
      }
      socket.send(`423["subscribe",{"storyId":"${STORY}"}]`);
      await expect.poll(() => socket.frames.find((f) => f.startsWith("433"))).toMatch(/^433\[\{"ok":true,"version":\d+\}\]$/);
    });
  });

  it("ignores an event named by a number, and the connection goes on", async () => {
    await expectUnchanged(server, async () => {
      const socket = await rawSocket(server.url);
      socket.send('421[5,{"storyId":"hostile-story"}]');
      socket.send('422["subscribe",{"storyId":"hostile-story"}]');
      await expect.poll(() => socket.frames.find((f) => f.startsWith("432"))).toMatch(/^432\[\{"ok":true,"version":\d+\}\]$/);
      expect(socket.frames.some((f) => f.startsWith("431"))).toBe(false);
    });
  });

  it("answers a packet for an unknown namespace with a connect error", async () => {
    await expectUnchanged(server, async () => {
      const socket = await rawSocket(server.url);
      socket.send("40/admin,");
      await expect.poll(() => socket.frames.find((f) => f.startsWith("44/admin,"))).toBe('44/admin,{"message":"Invalid namespace"}');
    });
  });
});

describe("Socket.IO hostile events", () => {
  const client = () => connect(server.url, { transports: ["websocket"], reconnection: false });

  it.each([
    ["a Buffer", () => Buffer.from(STORY), "bad_request"],
    ["a story id as bytes", () => ({ storyId: Buffer.from(STORY) }), "bad_request"],
    ["a version as bytes", () => ({ storyId: STORY, version: new Uint8Array([1]) }), "bad_request"],
    ["version 2^53 + 2", () => ({ storyId: STORY, version: 2 ** 53 + 2 }), "bad_request"],
    ["version 1e300", () => ({ storyId: STORY, version: 1e300 }), "bad_request"],
    ["version NaN (sent as null)", () => ({ storyId: STORY, version: Number.NaN }), "bad_request"],
    ['"__proto__" as a story', () => ({ storyId: "__proto__" }), "bad_request"],
    ['"constructor" as a story', () => ({ storyId: "constructor" }), "story_not_found"],
  ])("subscribe with %s → error ack %s, nothing joined", async (_name, payload, code) => {
    await expectUnchanged(server, async () => {
      const socket = client();
      try {
        const ack: unknown = await socket.timeout(5000).emitWithAck("subscribe", payload());
        expectErrorAck(ack, code);
        expect(server.app.followed(socket.id!)).toEqual([]);
        expect(socket.connected).toBe(true);
      } finally {
        socket.disconnect();
      }
    });
  });

  it("unsubscribe with bytes → error ack", async () => {
    await expectUnchanged(server, async () => {
      const socket = client();
      try {
        expectErrorAck(await socket.timeout(5000).emitWithAck("unsubscribe", { storyId: Buffer.from(STORY) }), "bad_request");
      } finally {
        socket.disconnect();
      }
    });
  });

  it("a valid subscribe and unsubscribe without ack callbacks still take effect", async () => {
    const socket = client();
    const got: string[] = [];
    socket.on("snapshot", () => got.push("snapshot"));
    socket.on("patch", (patch: { to: number }) => got.push(`patch to ${patch.to}`));
    try {
      await new Promise((resolve) => socket.once("connect", () => resolve(undefined)));
      socket.emit("subscribe", { storyId: STORY });
      await expect.poll(() => got).toEqual(["snapshot"]);
      socket.emit("unsubscribe", { storyId: STORY });
      const ack = (await socket.timeout(5000).emitWithAck("unsubscribe", { storyId: STORY })) as { ok: boolean };
      expect(ack.ok).toBe(true); // handled in order, so the one without an ack is done too
      const unwanted = await server.api(entries, { body: { body: "after unsubscribe" } });
      expect(unwanted.status).toBe(201);
      const { version } = (await unwanted.json()) as { version: number };
      // Subscribed again at that version, the next write's patch is the next message (they arrive
      // in order), so a patch for "after unsubscribe" would have come before it.
      expect(await socket.timeout(5000).emitWithAck("subscribe", { storyId: STORY, version })).toEqual({ ok: true, version });
      expect((await server.api(entries, { body: { body: "subscribed again" } })).status).toBe(201);
      await expect.poll(() => got.at(-1)).toBe(`patch to ${version + 1}`);
      expect(got).toEqual(["snapshot", `patch to ${version + 1}`]);
    } finally {
      socket.disconnect();
    }
  });

  it.each(["websocket", "polling"] as const)("a message over MAX_SOCKET_MESSAGE_BYTES over %s closes the connection", async (transport) => {
    await expectUnchanged(server, async () => {
      const socket = connect(server.url, { transports: [transport], reconnection: false });
      await new Promise((resolve) => socket.once("connect", () => resolve(undefined)));
      const gone = new Promise<string>((resolve) => socket.once("disconnect", (reason) => resolve(reason)));
      socket.emit("subscribe", { storyId: STORY, padding: "x".repeat(20 * 1024) });
      expect(await gone).toMatch(/^transport (close|error)$/);
      await expectServerServes(server.url);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Socket.IO
// ---------------------------------------------------------------------------------------------

interface Watched {
  socket: TypedSocket;
  /** The same socket without event typing, to emit what a typed client could not. */
  untyped: ClientSocket;
  received: { event: "snapshot" | "patch"; payload: unknown }[];
}

async function connectedSocket(): Promise<Watched> {
  const socket = server.socket();
  const received: Watched["received"] = [];
  socket.on("snapshot", (payload) => received.push({ event: "snapshot", payload }));
  socket.on("patch", (payload) => received.push({ event: "patch", payload }));
  if (!socket.connected) {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
  }
  return { socket, untyped: socket as unknown as ClientSocket, received };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asserts no state was sent and the socket follows no story for a refused subscribe (same socket id on both ends in Socket.IO 4). */
async function expectNothingSent(watched: Watched): Promise<void> {
  await pause(150);
  expect(watched.received).toEqual([]);
  expect(server.app.followed(watched.socket.id!)).toEqual([]);
}

interface SocketCase {
  name: string;
  payload: () => unknown;
  code: string;
}

const socketCases: SocketCase[] = [
  { name: "a string", payload: () => "kyiv-strikes", code: "bad_request" },
  { name: "a number", payload: () => 5, code: "bad_request" },
  { name: "null", payload: () => null, code: "bad_request" },
  { name: "an array", payload: () => [STORY], code: "bad_request" },
  { name: "an empty object", payload: () => ({}), code: "bad_request" },
  { name: "{storyId: 5}", payload: () => ({ storyId: 5 }), code: "bad_request" },
  { name: '{storyId: "BAD ID"}', payload: () => ({ storyId: "BAD ID" }), code: "bad_request" },
  { name: "a story id of 65 chars", payload: () => ({ storyId: "a".repeat(65) }), code: "bad_request" },
  { name: "version -1", payload: () => ({ storyId: STORY, version: -1 }), code: "bad_request" },
  { name: "version 0", payload: () => ({ storyId: STORY, version: 0 }), code: "bad_request" },
  { name: "version 1.5", payload: () => ({ storyId: STORY, version: 1.5 }), code: "bad_request" },
  { name: 'version "2"', payload: () => ({ storyId: STORY, version: "2" }), code: "bad_request" },
  { name: "extra keys", payload: () => ({ storyId: STORY, admin: true }), code: "bad_request" },
  { name: "a __proto__ key", payload: () => JSON.parse(`{"storyId":"${STORY}","__proto__":{"polluted":true}}`), code: "bad_request" },
  { name: "an unknown story", payload: () => ({ storyId: UNKNOWN_STORY }), code: "story_not_found" },
  { name: "an unknown story with a version", payload: () => ({ storyId: UNKNOWN_STORY, version: 1 }), code: "story_not_found" },
  { name: "protocol 99", payload: () => ({ storyId: STORY, protocol: 99 }), code: "protocol_unsupported" },
  { name: "protocol 99 with a version", payload: () => ({ storyId: STORY, version: 1, protocol: 99 }), code: "protocol_unsupported" },
];

describe("Socket.IO bad input", () => {
  it.each(socketCases)("subscribe with $name → ack $code, nothing sent", async ({ payload, code }) => {
    await expectUnchanged(server, async () => {
      const watched = await connectedSocket();
      const ack: unknown = await watched.untyped.timeout(2000).emitWithAck("subscribe", payload());
      expectErrorAck(ack, code);
      await expectNothingSent(watched);
      expect(watched.socket.connected).toBe(true);
      watched.socket.disconnect();
    });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("subscribe with no payload, only an ack → bad_request", async () => {
    await expectUnchanged(server, async () => {
      const watched = await connectedSocket();
      const ack: unknown = await watched.untyped.timeout(2000).emitWithAck("subscribe");
      expectErrorAck(ack, "bad_request");
      await expectNothingSent(watched);
      watched.socket.disconnect();
    });
  });

  it("subscribes without an ack callback do not crash; a valid subscribe on the same socket still works", async () => {
    await expectUnchanged(server, async () => {
      const watched = await connectedSocket();
      watched.untyped.emit("subscribe", "garbage");
      watched.untyped.emit("subscribe", { storyId: 5 });
      watched.untyped.emit("subscribe", { storyId: UNKNOWN_STORY });
      watched.untyped.emit("subscribe");
      await expectNothingSent(watched);
      expect(watched.socket.connected).toBe(true);

      const latest = (await getJson(server, `/api/stories/${STORY}`)) as { version: number };
      const ack: Ack = await watched.socket.timeout(2000).emitWithAck("subscribe", { storyId: STORY });
      expect(ack).toEqual({ ok: true, version: latest.version });
      await expect.poll(() => watched.received.length).toBe(1);
      expect(watched.received[0]).toEqual({ event: "snapshot", payload: { storyId: STORY, snapshot: latest } });
      expect(server.app.followed(watched.socket.id!)).toEqual([STORY]);
      watched.socket.disconnect();
    });
  });

  it("an unknown event name is ignored and the socket keeps working", async () => {
    await expectUnchanged(server, async () => {
      const watched = await connectedSocket();
      watched.untyped.emit("delete_story", { storyId: STORY });
      await expect(watched.untyped.timeout(300).emitWithAck("publish", { storyId: STORY, ops: [] })).rejects.toThrow();
      await expectNothingSent(watched);
      expect(watched.socket.connected).toBe(true);

      const ack: Ack = await watched.socket.timeout(2000).emitWithAck("subscribe", { storyId: STORY });
      expect(ack).toMatchObject({ ok: true });
      await expect.poll(() => watched.received.map((r) => r.event)).toEqual(["snapshot"]);
      watched.socket.disconnect();
    });
  });

  it.each([
    { name: "a string", payload: "x" },
    { name: "null", payload: null },
    { name: "{storyId: 5}", payload: { storyId: 5 } },
    { name: "extra keys", payload: { storyId: STORY, version: 1 } },
  ])("unsubscribe with $name → ack bad_request", async ({ payload }) => {
    await expectUnchanged(server, async () => {
      const watched = await connectedSocket();
      const ack: unknown = await watched.untyped.timeout(2000).emitWithAck("unsubscribe", payload);
      expectErrorAck(ack, "bad_request");
      await expectNothingSent(watched);
      watched.socket.disconnect();
    });
  });

  it("a refused subscribe does not receive later broadcasts", async () => {
    const watched = await connectedSocket();
    const acks: unknown[] = [];
    for (const payload of [{ storyId: STORY, protocol: 99 }, { storyId: STORY, version: -1 }, { storyId: STORY, extra: 1 }]) {
      acks.push(await watched.untyped.timeout(2000).emitWithAck("subscribe", payload));
    }
    expect(acks.map((a) => (a as { ok: boolean }).ok)).toEqual([false, false, false]);

    // A subscribed observer proves the broadcast happened.
    const observer = await connectedSocket();
    const ack: Ack = await observer.socket.timeout(2000).emitWithAck("subscribe", { storyId: STORY });
    expect(ack.ok).toBe(true);
    const res = await server.api(entries, { body: { body: "Broadcast to subscribers only." } });
    expect(res.status).toBe(201);
    await expect.poll(() => observer.received.map((r) => r.event)).toEqual(["snapshot", "patch"]);
    await pause(150);
    expect(watched.received).toEqual([]);
    watched.socket.disconnect();
    observer.socket.disconnect();
  });
});
