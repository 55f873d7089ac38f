/**
 * live/backpressure.ts without a server: what a joining reader is sent is judged and counted like
 * a fan-out's patches, by the socket's bound, its address's and the total. The sockets are fakes
 * with the parts of engine.io's connection the module reads (its write buffer, the WebSocket's
 * bufferedAmount, drain events); over real sockets see slow-reader.test.ts and hostile-attack-sockets.test.ts.
 */
import { EventEmitter } from "node:events";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { Metrics } from "../metrics.js";
import { Backpressure } from "./backpressure.js";
import type { LiveServer, LiveSocket } from "./live-server.js";

/** A reader's socket: `queue(bytes)` is what its WebSocket has not handed to the kernel yet. */
function fakeSocket(address: string) {
  const ws = Object.assign(new EventEmitter(), { bufferedAmount: 0, _socket: new EventEmitter(), terminated: false, terminate: () => void (ws.terminated = true) });
  const transport = Object.assign(new EventEmitter(), { name: "websocket", writable: true, socket: ws });
  const conn = Object.assign(new EventEmitter(), { readyState: "open", writeBuffer: [], transport, closed: false, close: () => void (conn.closed = true) });
  const left: string[] = [];
  const socket = { id: address + Math.random(), conn, connected: true, address, left, leave: (room: string) => void left.push(room) };
  return {
    socket: socket as unknown as LiveSocket,
    left,
    ws,
    conn,
    queue: (bytes: number) => void (ws.bufferedAmount = bytes),
    drain: () => {
      ws.bufferedAmount = 0;
      transport.emit("drain");
    },
  };
}

function rig(limits = { socketBytes: 1000, totalBytes: 10_000, addressBytes: 3000 }) {
  const counts = { behind: 0, dropped: 0 };
  const metrics = { readersBehind: { inc: () => counts.behind++ }, readersDropped: { inc: () => counts.dropped++ } } as unknown as Metrics;
  const drained: Array<[string, number]> = [];
  const io = { on: () => {} } as unknown as LiveServer;
  const backpressure = new Backpressure(io, limits, (_socket, storyId, version) => drained.push([storyId, version]), metrics, pino({ level: "silent" }), (socket) => (socket as unknown as { address: string }).address);
  return { backpressure, counts, drained };
}

describe("Backpressure and join answers", () => {
  it("holds back a join answer for a socket past its bound, and sends it once the socket drains (version 0: it had none)", () => {
    const { backpressure, counts, drained } = rig();
    const reader = fakeSocket("198.51.100.1");
    expect(backpressure.admitsJoin(reader.socket, "story:a#0", "a", undefined)).toBe(true);
    reader.queue(1500); // the snapshot it was sent sits in its WebSocket
    backpressure.sent(reader.socket);
    expect(backpressure.queued).toBe(1500);
    expect(backpressure.admitsJoin(reader.socket, "story:b#3", "b", 7)).toBe(false);
    expect(backpressure.admitsJoin(reader.socket, "story:c#1", "c", undefined)).toBe(false);
    expect(reader.left).toEqual(["story:b#3", "story:c#1"]);
    expect(counts.behind).toBe(2);
    reader.drain();
    expect(drained).toEqual([
      ["b", 7],
      ["c", 0],
    ]);
  });

  it("holds back the join answers of every socket of an address whose queues together pass MAX_QUEUED_BYTES_PER_IP, not another address's", () => {
    const { backpressure } = rig();
    const crowd = Array.from({ length: 4 }, () => fakeSocket("203.0.113.7"));
    for (const member of crowd) {
      expect(backpressure.admitsJoin(member.socket, "story:a#0", "a", undefined)).toBe(true);
      member.queue(900); // each within its own bound
      backpressure.sent(member.socket);
    }
    const next = fakeSocket("203.0.113.7");
    expect(backpressure.admitsJoin(next.socket, "story:a#1", "a", undefined)).toBe(false);
    expect(backpressure.admitsJoin(fakeSocket("203.0.113.8").socket, "story:a#2", "a", undefined)).toBe(true);
  });

  it("disconnects the laggiest when join answers take all queues together past the total bound", () => {
    const { backpressure, counts } = rig({ socketBytes: 5000, totalBytes: 6000, addressBytes: 100_000 });
    const readers = [1000, 4000, 2000].map((bytes, n) => {
      const reader = fakeSocket(`192.0.2.${n}`);
      expect(backpressure.admitsJoin(reader.socket, "story:a#0", "a", undefined)).toBe(true);
      reader.queue(bytes);
      backpressure.sent(reader.socket);
      return reader;
    });
    expect(readers.map((reader) => reader.conn.closed)).toEqual([false, true, false]);
    expect(readers[1]!.ws.terminated).toBe(true);
    expect(counts.dropped).toBe(1);
    expect(backpressure.queued).toBe(3000);
  });
});
