/**
 * live/fan-out.ts without a server, as sequencer.test.ts tests the sequencer: readers are sessions
 * on fake wires (live/readers/fake-reader.ts), the clock and the event loop's turns are the test's.
 * Slicing between shards, a reader joining while a fan-out is under way, a slow reader passed by
 * and brought back, and the memory cap. The wire itself is tested over real sockets in
 * live/readers/reader-wire.test.ts and server/test/live-sync.test.ts.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { PatchMessage } from "../../shared/protocol.js";
import type { Snapshot } from "../../shared/story.js";
import { Backpressure } from "./backpressure.js";
import { CALM_SLICE_MS, FanOut, SHARD_RUN, SHARDS, SLICE_MS, WRITE_WAITING_SLICE_MS, type OtherWork } from "./fan-out.js";
import { fakeReader } from "./readers/fake-reader.js";
import { TakenVersions } from "./taken-versions.js";

const STORY = "s";
const patch = (from: number): PatchMessage => ({ storyId: STORY, from, to: from + 1, ops: [{ op: "replace", path: "/title", value: `v${from + 1}` }] });
/** Versions as the sequencer hands them over: only the full view is read here. */
const taken = (...patches: PatchMessage[]) =>
  new TakenVersions(
    patches.map((message) => ({ from: {} as Snapshot, to: {} as Snapshot, message })),
    { view: (snapshot) => snapshot },
  );

function rig(options: { msPerLook?: number; limits?: { socketBytes: number; totalBytes: number }; otherWork?: OtherWork } = {}) {
  const queue: TakenVersions[] = [];
  const turns: Array<() => void> = [];
  const clock = { now: 0 };
  const counts = { patches: 0, frames: 0, dropped: 0 };
  const metrics = {
    patchesSent: { inc: (n: unknown = 1) => void (counts.patches += n as number) },
    bytesSent: { inc: () => {} },
    subscribeSends: { inc: () => {} },
    readersBehind: { inc: () => {} },
    readersDropped: { inc: () => void counts.dropped++ },
  };
  const drained: Array<[string, number]> = [];
  let fanOut: FanOut;
  const backpressure = new Backpressure(
    options.limits ?? { socketBytes: 1000, totalBytes: 100_000 },
    { passBy: (session, storyId) => fanOut.passBy(session, storyId), drained: (session, storyId, version) => void drained.push([session.id, version]) },
    metrics,
    pino({ level: "silent" }),
    () => clock.now,
  );
  fanOut = new FanOut({
    take: () => queue.shift() ?? taken(),
    backpressure,
    metrics,
    frameOf: (send) => {
      counts.frames++;
      return { text: send.event === "patch" ? `patch ${send.message.to}` : "snapshot", frame: [Buffer.alloc(0)] };
    },
    now: () => (clock.now += options.msPerLook ?? 0),
    later: (work) => void turns.push(work),
    ...(options.otherWork ? { otherWork: options.otherWork } : {}),
  });
  /** A reader that follows the story and has joined its broadcasts at `version`. */
  const join = (id: string, version = 1) => {
    const r = fakeReader(id);
    r.follows(STORY);
    fanOut.join(r.session, STORY, "full", version);
    backpressure.joined(r.session, STORY, version);
    return r;
  };
  /** Readers filling `shards` shards (readers join shards in runs of SHARD_RUN). */
  const fill = (shards: number) => Array.from({ length: shards * SHARD_RUN }, (_, n) => join(`r${n}`));
  /** Runs the event loop's pending turns, counting them. */
  const runTurns = () => {
    let n = 0;
    while (turns.length > 0) {
      turns.shift()!();
      n++;
    }
    return n;
  };
  const publish = (...patches: PatchMessage[]) => {
    queue.push(taken(...patches));
    fanOut.wake(STORY);
  };
  return { fanOut, backpressure, join, fill, publish, runTurns, turns, counts, drained };
}

describe("FanOut", () => {
  it("sends a version to every reader at the next turn, never inside the write that made it, framed once for all shards", () => {
    const { fill, join, publish, runTurns, counts, fanOut } = rig();
    const readers = [...fill(SHARDS), join("one more")];
    expect(fanOut.readers(STORY)).toBe(SHARDS * SHARD_RUN + 1);
    publish(patch(1));
    expect(readers.every((r) => r.state.sent.length === 0)).toBe(true);
    expect(runTurns()).toBe(1);
    expect(readers.every((r) => r.state.sent.join() === "patch 2")).toBe(true);
    expect(counts.patches).toBe(readers.length);
    // Readers are spread over the shards, in runs of SHARD_RUN, the last one back in the first shard:
    // the frame is asked for per shard, and built once (shared-encoding.test.ts).
    expect(counts.frames).toBe(SHARDS);
  });

  it("hands the event loop back between shards once a slice is used up, and goes on where it stopped", () => {
    const { fill, publish, runTurns, turns } = rig({ msPerLook: 8 }); // two looks per shard: 16 ms > SLICE_MS
    const readers = fill(32);
    publish(patch(1));
    turns.shift()!();
    const reached = readers.filter((r) => r.state.sent.length === 1).length;
    expect(reached).toBeGreaterThan(0);
    expect(reached).toBeLessThan(readers.length);
    expect(reached % SHARD_RUN).toBe(0); // whole shards
    expect(turns).toHaveLength(1); // it will go on
    expect(runTurns()).toBeGreaterThan(1);
    expect(readers.every((r) => r.state.sent.join() === "patch 2")).toBe(true);
  });

  it("slices finely while writes come in quick succession, and coarsely when the desk is calm", () => {
    const reachedInFirstTurn = (busy: boolean) => {
      const { fill, publish, turns } = rig({ msPerLook: 1, otherWork: { waiting: () => false, busy: () => busy } });
      const readers = fill(SHARDS);
      publish(patch(1));
      turns.shift()!();
      return readers.filter((r) => r.state.sent.length === 1).length / SHARD_RUN;
    };
    // One look of 1 ms per shard: a slice reaches as many shards as it lasts milliseconds.
    expect(reachedInFirstTurn(true)).toBe(SLICE_MS);
    expect(reachedInFirstTurn(false)).toBe(CALM_SLICE_MS);
  });

  it("keeps slices to a couple of milliseconds while a write is being served, and sends a small audience in one turn all the same", () => {
    let waiting = true;
    const { fill, publish, turns, runTurns } = rig({ msPerLook: 1, otherWork: { waiting: () => waiting, busy: () => false } });
    const readers = fill(SHARDS);
    publish(patch(1));
    turns.shift()!();
    // One look of 1 ms a shard: WRITE_WAITING_SLICE_MS reached after that many shards.
    expect(readers.filter((r) => r.state.sent.length === 1)).toHaveLength(WRITE_WAITING_SLICE_MS * SHARD_RUN);
    // The write answered: the rest goes out in calm slices.
    waiting = false;
    expect(runTurns()).toBeLessThanOrEqual(Math.ceil((SHARDS * 3) / (CALM_SLICE_MS / 2)));
    expect(readers.every((r) => r.state.sent.join() === "patch 2")).toBe(true);

    // Sends that take no time (a handful of readers) go out in one turn even while a write waits.
    const small = rig({ otherWork: { waiting: () => true, busy: () => true } });
    const few = Array.from({ length: 6 }, (_, n) => small.join(`s${n}`));
    small.publish(patch(1));
    expect(small.runTurns()).toBe(1);
    expect(few.every((r) => r.state.sent.join() === "patch 2")).toBe(true);
  });

  it("does not send a reader who joined mid-fan-out, at the version being sent, that version again", () => {
    const { fill, join, publish, turns, runTurns } = rig({ msPerLook: 8 });
    const early = fill(32);
    publish(patch(1));
    turns.shift()!(); // some shards done, the fan-out paused
    const late = join("late", 2); // its join answer brought it version 2
    runTurns();
    expect(late.state.sent).toEqual([]);
    expect(early.every((r) => r.state.sent.join() === "patch 2")).toBe(true);
    publish(patch(2));
    runTurns();
    expect(late.state.sent).toEqual(["patch 3"]);
  });

  it("passes by a reader whose queue is past its bound, keeps sending the others, and reports it drained with the version it has", () => {
    const { join, publish, runTurns, drained, fanOut } = rig();
    const slow = join("slow");
    const quick = join("quick");
    slow.queue(5000);
    publish(patch(1));
    runTurns();
    expect(slow.state.sent).toEqual([]);
    expect(quick.state.sent).toEqual(["patch 2"]);
    publish(patch(2));
    runTurns();
    expect(slow.state.sent).toEqual([]); // out of its shard: not even measured again
    expect(fanOut.readers(STORY)).toBe(2); // it still follows the story
    slow.drain();
    expect(drained).toEqual([["slow", 1]]);
  });

  it("disconnects the laggiest readers when all queues together pass the cap", () => {
    const { join, publish, runTurns, counts } = rig({ limits: { socketBytes: 10_000, totalBytes: 12_000 } });
    const readers = [4000, 9000, 5000].map((bytes, n) => {
      const r = join(`r${n}`);
      r.queue(bytes);
      return r;
    });
    publish(patch(1));
    runTurns();
    expect(readers.map((r) => r.state.terminated)).toEqual([false, true, false]);
    expect(counts.dropped).toBe(1);
  });

  it("stops sending to a reader once it leaves, and moves a reader between views without sending it twice", () => {
    const { join, publish, runTurns, fanOut } = rig();
    const gone = join("gone");
    const mover = join("mover");
    fanOut.leave(gone.session, STORY);
    fanOut.join(mover.session, STORY, "latest", 1); // subscribes again, to another view: moves, once
    publish(patch(1));
    runTurns();
    expect(gone.state.sent).toEqual([]);
    expect(mover.state.sent).toEqual(["patch 2"]);
    expect(fanOut.readers(STORY)).toBe(1);
  });
});
