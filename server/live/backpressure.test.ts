/**
 * live/backpressure.ts without a server: what a joining reader is sent is judged and counted like
 * a fan-out's patches, by the reader's bound, its address's and the total, and a reader set aside
 * is brought back once its wire drains. The readers are sessions on fake wires
 * (live/readers/fake-reader.ts); over real sockets see slow-reader.test.ts and hostile-attack-sockets.test.ts.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { Backpressure } from "./backpressure.js";
import { fakeReader } from "./readers/fake-reader.js";
import type { ReaderSession } from "./readers/reader-session.js";

function rig(limits = { socketBytes: 1000, totalBytes: 10_000, addressBytes: 3000 }) {
  const counts = { behind: 0, dropped: 0 };
  const metrics = { readersBehind: { inc: () => void counts.behind++ }, readersDropped: { inc: () => void counts.dropped++ } };
  const drained: Array<[string, number]> = [];
  const passedBy: Array<[string, string]> = [];
  const clock = { now: 0 };
  const backpressure = new Backpressure(
    limits,
    { passBy: (session: ReaderSession, storyId: string) => void passedBy.push([session.id, storyId]), drained: (_session: ReaderSession, storyId: string, version: number) => void drained.push([storyId, version]) },
    metrics,
    pino({ level: "silent" }),
    () => clock.now,
  );
  return { backpressure, counts, drained, passedBy, clock };
}

/** A reader following stories a, b and c. */
const reader = (id: string, address: string) => {
  const r = fakeReader(id, address);
  for (const story of ["a", "b", "c"]) r.follows(story);
  return r;
};

const patch = (storyId: string, from: number) => ({ storyId, from, to: from + 1, ops: [] });

describe("Backpressure and join answers", () => {
  it("holds back a join answer for a reader past its bound, and sends it once the reader drains (version 0: it had none)", () => {
    const { backpressure, counts, drained, passedBy } = rig();
    const r = reader("r", "198.51.100.1");
    expect(backpressure.admitsJoin(r.session, "a", undefined)).toBe(true);
    r.queue(1500); // the snapshot it was sent sits in its WebSocket
    backpressure.sent(r.session);
    expect(backpressure.queued).toBe(1500);
    expect(backpressure.admitsJoin(r.session, "b", 7)).toBe(false);
    expect(backpressure.admitsJoin(r.session, "c", undefined)).toBe(false);
    expect(passedBy).toEqual([
      ["r", "b"],
      ["r", "c"],
    ]);
    expect(counts.behind).toBe(2);
    r.drain();
    expect(drained).toEqual([
      ["b", 7],
      ["c", 0],
    ]);
    expect(backpressure.queued).toBe(0);
  });

  it("holds back the join answers of every reader of an address whose queues together pass MAX_QUEUED_BYTES_PER_IP, not another address's", () => {
    const { backpressure } = rig();
    const crowd = Array.from({ length: 4 }, (_, n) => reader(`crowd${n}`, "203.0.113.7"));
    for (const member of crowd) {
      expect(backpressure.admitsJoin(member.session, "a", undefined)).toBe(true);
      member.queue(900); // each within its own bound
      backpressure.sent(member.session);
    }
    expect(backpressure.admitsJoin(reader("next", "203.0.113.7").session, "a", undefined)).toBe(false);
    expect(backpressure.admitsJoin(reader("elsewhere", "203.0.113.8").session, "a", undefined)).toBe(true);
  });

  it("measures an address's lagging queues again once REMEASURE_MS has passed, so drained readers no longer hold the address back", () => {
    const { backpressure, clock } = rig();
    const crowd = Array.from({ length: 4 }, (_, n) => reader(`crowd${n}`, "203.0.113.7"));
    for (const member of crowd) {
      backpressure.admitsJoin(member.session, "a", undefined);
      member.queue(900);
      backpressure.sent(member.session);
    }
    for (const member of crowd) member.queue(0); // drained, without a fan-out to see it
    clock.now = 100;
    expect(backpressure.admitsJoin(reader("soon", "203.0.113.7").session, "a", undefined)).toBe(true); // remeasured at the first look
    expect(backpressure.queued).toBe(0);
  });

  it("passes by a lagging reader in a fan-out with the version it has, and lets one that keeps up through without measuring", () => {
    const { backpressure, drained, passedBy } = rig();
    const slow = reader("slow", "192.0.2.1");
    const quick = reader("quick", "192.0.2.2");
    backpressure.joined(slow.session, "a", 3);
    slow.queue(2000);
    expect(backpressure.admits(quick.session, patch("a", 4))).toBe(true);
    expect(backpressure.admits(slow.session, patch("a", 4))).toBe(false);
    expect(passedBy).toEqual([["slow", "a"]]);
    expect(backpressure.awaits(slow.session, "a", 4)).toBe(true);
    slow.queue(600); // not yet a quarter of the bound: it would flap
    slow.drain();
    expect(drained).toEqual([["a", 4]]);
    backpressure.joined(slow.session, "a", 9);
    expect(backpressure.awaits(slow.session, "a", 4)).toBe(false);
  });

  it("waits for hysteresis: a reader drained only to just under its bound stays set aside", () => {
    const { backpressure, drained } = rig();
    const r = reader("r", "192.0.2.9");
    r.queue(1200);
    expect(backpressure.admits(r.session, patch("a", 1))).toBe(false);
    r.state.queued = 900;
    for (const listener of r.state.listeners) listener();
    expect(drained).toEqual([]);
    r.drain();
    expect(drained).toEqual([["a", 1]]);
  });

  it("disconnects the laggiest when join answers take all queues together past the total bound", () => {
    const { backpressure, counts } = rig({ socketBytes: 5000, totalBytes: 6000, addressBytes: 100_000 });
    const readers = [1000, 4000, 2000].map((bytes, n) => {
      const r = reader(`r${n}`, `192.0.2.${n}`);
      expect(backpressure.admitsJoin(r.session, "a", undefined)).toBe(true);
      r.queue(bytes);
      backpressure.sent(r.session);
      return r;
    });
    expect(readers.map((r) => r.state.terminated)).toEqual([false, true, false]);
    expect(counts.dropped).toBe(1);
    expect(backpressure.queued).toBe(3000);
  });
});
