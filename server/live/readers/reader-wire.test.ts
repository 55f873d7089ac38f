/**
 * live/readers/reader-wire.ts, the one file that reads engine.io's and ws's internals. The canary
 * runs a real server and real Socket.IO clients: if an upgrade of socket.io, engine.io or ws
 * renamed what the direct path reads, or left two copies of ws in node_modules, or turned
 * per-message deflate on, the shape check would switch the direct path off and this fails. The
 * fallback is tested on an engine.io socket without those internals.
 */
import { EventEmitter } from "node:events";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../../test/harness.js";
import { frameOf, ReaderWires } from "./reader-wire.js";

/** Resolves when `check` holds, polling; fails with `what` after `ms`. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A counter's value in the app's /metrics text. */
const counter = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);

describe("the wire on a real connection (canary for socket.io, engine.io and ws upgrades)", () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
    await server.api("/api/stories", { body: { id: "wire", title: "Wire" } });
  });
  afterEach(() => server.close());

  it("writes a WebSocket reader's patches straight to its socket, and a polling reader's through engine.io, both arriving", async () => {
    const ws = server.socket(["websocket"]);
    const polling = server.socket(["polling"]);
    for (const socket of [ws, polling]) expect((await socket.emitWithAck("subscribe", { storyId: "wire" })).ok).toBe(true);
    const before = await server.app.metrics.text();
    const received = { ws: 0, polling: 0 };
    ws.on("patch", () => void received.ws++);
    polling.on("patch", () => void received.polling++);
    for (let n = 0; n < 3; n++) {
      expect((await server.api("/api/stories/wire/entries", { body: { body: `Update ${n}` } })).status).toBe(201);
      await until(() => received.ws === n + 1 && received.polling === n + 1, `patch ${n} at both readers`);
    }
    const after = await server.app.metrics.text();
    expect(counter(after, "live_ticker_frames_direct_total") - counter(before, "live_ticker_frames_direct_total")).toBe(3);
    expect(counter(after, "live_ticker_frames_via_engine_total") - counter(before, "live_ticker_frames_via_engine_total")).toBe(3);
  });
});

/** An engine.io socket on the websocket transport whose ws socket lacks `_sender` (as if renamed by an upgrade). */
function strangeConnection() {
  const written: string[] = [];
  const ws = Object.assign(new EventEmitter(), { bufferedAmount: 0, extensions: "", terminate: () => {} });
  const transport = Object.assign(new EventEmitter(), { name: "websocket", writable: true, socket: ws });
  const conn = Object.assign(new EventEmitter(), {
    readyState: "open",
    writeBuffer: [] as { data: string }[],
    transport,
    write: (text: string) => void written.push(text),
    close: () => {},
  });
  return { conn, written };
}

describe("the wire when engine.io's internals are not as expected", () => {
  it("logs once, then sends every frame through engine.io's public write and still measures its queue", () => {
    const lines: string[] = [];
    const wires = new ReaderWires(pino({ level: "error" }, { write: (line: string) => void lines.push(line) }));
    const a = strangeConnection();
    const b = strangeConnection();
    wires.of(a.conn).send(frameOf('2["patch",{}]'));
    wires.of(b.conn).send(frameOf('2["patch",{}]'));
    expect(a.written).toEqual(['2["patch",{}]']);
    expect(b.written).toEqual(['2["patch",{}]']);
    expect(wires.direct).toBe(false);
    expect(wires.counts).toEqual({ direct: 0, viaEngine: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("_sender.sendFrame");
    a.conn.writeBuffer.push({ data: "x".repeat(99) });
    expect(wires.of(a.conn).queuedBytes()).toBe(100);
  });
});
