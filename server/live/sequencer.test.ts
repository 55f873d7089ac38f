/**
 * The sequencer alone: no socket, no store, a fake clock. A "reader" here is what the fan-out
 * would deliver to: it takes whatever is ready and applies it, and must pass through the store's
 * versions in order, never skipping one it was not brought past by a single patch.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyPatch, diffSnapshots } from "../../shared/patch.js";
import type { PatchMessage } from "../../shared/protocol.js";
import { reduce } from "../../shared/reducer.js";
import type { Snapshot } from "../../shared/story.js";
import { LATEST_VIEW_ENTRIES, latestView } from "../../shared/views.js";
import { CATCH_UP_VERSIONS } from "./join-messages.js";
import { GAP_WAIT_MS, REPLAY_LIMIT, SEPARATE_VERSIONS, Sequencer, type JoinPlan, type Timers } from "./sequencer.js";

const STORY = "story";

/** Versions 1..count of one story, as the reducer makes them (made once per count: the fuzz asks often). */
const histories = new Map<number, Snapshot[]>();
function history(count: number): Snapshot[] {
  let versions = histories.get(count);
  if (!versions) histories.set(count, (versions = makeHistory(count)));
  return versions;
}

function makeHistory(count: number): Snapshot[] {
  const at = "2026-05-24T01:02:03.000Z";
  let snapshot = reduce(undefined, { type: "create_story", storyId: STORY, title: "T", summary: "", at, author: { name: "D" } })!.snapshot;
  const versions = [snapshot];
  for (let n = 2; n <= count; n++) {
    const op = { type: "add_entry", entryId: `e_${String(n).padStart(4, "0")}`, kind: "update", pinned: false, body: `Entry ${n} `.repeat(20), at, author: { name: "D" } } as const;
    snapshot = reduce(snapshot, op)!.snapshot;
    versions.push(snapshot);
  }
  return versions;
}

/** A clock that moves only when told to. */
class FakeTimers implements Timers {
  now = 0;
  readonly #pending = new Set<{ at: number; run: () => void }>();
  set(run: () => void, ms: number): unknown {
    const timer = { at: this.now + ms, run };
    this.#pending.add(timer);
    return timer;
  }
  clear(timer: unknown): void {
    this.#pending.delete(timer as { at: number; run: () => void });
  }
  /** Moves the clock, running what falls due, and lets the reads it started settle. */
  async advance(ms: number): Promise<void> {
    this.now += ms;
    for (const timer of [...this.#pending].sort((a, b) => a.at - b.at)) {
      if (timer.at > this.now) continue;
      this.#pending.delete(timer);
      timer.run();
    }
    await settle();
  }
}

/** Lets pending promise chains (the fake store's reads) run to the end. */
const settle = async () => {
  for (let n = 0; n < 20; n++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
};

/** A sequencer over `versions`, with the store holding up to `stored` and one reader taking every patch as soon as it is ready. */
function rig(versions: Snapshot[], options: { stored?: number; takeAtOnce?: boolean } = {}) {
  const timers = new FakeTimers();
  const store = { upTo: options.stored ?? versions.length, reads: 0 };
  const source = {
    latest: async (id: string) => (store.reads++, id === STORY ? versions[store.upTo - 1] : undefined),
    snapshotAt: async (_id: string, version: number) => (store.reads++, version <= store.upTo ? versions[version - 1] : undefined),
  };
  const reader = { snapshot: undefined as Snapshot | undefined, received: [] as PatchMessage[] };
  const evicted: string[] = [];
  const followed = new Set<string>([STORY]);
  const deliver = () => {
    for (const patch of sequencer.take(STORY).of("full")) {
      reader.received.push(patch);
      if (!reader.snapshot) continue;
      expect(patch.from).toBe(reader.snapshot.version);
      reader.snapshot = applyPatch(reader.snapshot, patch.ops);
      expect(reader.snapshot).toEqual(versions[patch.to - 1]);
    }
  };
  const sequencer: Sequencer = new Sequencer(
    source,
    {
      followed: (storyId) => followed.has(storyId),
      ready: () => options.takeAtOnce !== false && deliver(),
      failed: (error) => {
        throw error;
      },
      evicted: (storyId) => evicted.push(storyId),
    },
    timers,
  );
  /** The reader joins holding nothing and is given the snapshot. */
  const join = async (version?: number) => {
    const plans: JoinPlan[] = [];
    const result = await sequencer.join(STORY, version, () => true, (plan) => plans.push(plan));
    const plan = plans[0]!;
    if (plan.send?.event === "snapshot") reader.snapshot = plan.send.message.snapshot;
    return { result, plan };
  };
  /** The patch from version `to - 1` to `to`, as a committing node announces it. */
  const announce = (to: number, withSnapshot = false) => {
    const patch = { storyId: STORY, from: to - 1, to, ops: diffSnapshots(versions[to - 2]!, versions[to - 1]!) };
    sequencer.accept(patch, withSnapshot ? versions[to - 1] : undefined);
  };
  return { sequencer, timers, store, reader, join, announce, deliver, evicted, followed };
}

describe("the sequencer", () => {
  it(`sends a reader up to ${CATCH_UP_VERSIONS} versions behind one patch, worked out once, and one farther behind the shared snapshot with no rebuild of its version`, async () => {
    const versions = history(CATCH_UP_VERSIONS + 40);
    const latest = versions.length;
    const { join, store } = rig(versions);
    await join(); // the story is cached and followed
    const near = latest - CATCH_UP_VERSIONS;
    const first = await join(near);
    expect(first.plan).toMatchObject({ version: latest, send: { event: "patch", message: { from: near, to: latest } } });
    const again = await join(near);
    expect(again.plan.send!.message).toBe(first.plan.send!.message); // the same message, not a second diff
    const reads = store.reads;
    const far = [];
    for (let version = 1; version < near; version++) far.push((await join(version)).plan);
    expect(store.reads).toBe(reads); // no old version was read, let alone diffed
    expect(new Set(far.map((plan) => plan.send!.event))).toEqual(new Set(["snapshot"]));
    expect(new Set(far.map((plan) => plan.send!.message)).size).toBe(1); // one shared message for them all
  });

  it("catches a returning reader of the latest view up from the view it was handed, with no rebuild of that version", async () => {
    const versions = history(80);
    const { sequencer, store, announce } = rig(versions, { stored: 60, takeAtOnce: false });
    await sequencer.join(STORY, undefined, () => true, () => {}, "latest");
    for (let to = 61; to <= 80; to++) {
      store.upTo = to;
      announce(to, true);
      sequencer.take(STORY).of("latest"); // the fan-out projects each version for the view's readers
    }
    const reads = store.reads;
    const plans: JoinPlan[] = [];
    await sequencer.join(STORY, 65, () => true, (plan) => plans.push(plan), "latest");
    expect(store.reads, "no old version read from the store").toBe(reads);
    const answer = plans[0]!.send!;
    expect(answer).toMatchObject({ event: "patch", message: { from: 65, to: 80 } });
    const view = (version: number) => latestView(versions[version - 1]!, LATEST_VIEW_ENTRIES.default);
    expect(applyPatch(view(65), (answer.message as PatchMessage).ops)).toEqual(view(80));
    // A reader of the whole story needs the whole version, which only the store has.
    await sequencer.join(STORY, 66, () => true, () => {}, "full");
    expect(store.reads).toBe(reads + 1);
    expect(sequencer.recentViews.bytes).toBeGreaterThan(0);
  });

  it("passes versions that come in order straight through, one patch each", async () => {
    const versions = history(5);
    const { reader, join, announce } = rig(versions, { stored: 2 });
    expect((await join()).result).toBe(2);
    for (const to of [3, 4, 5]) announce(to);
    expect(reader.received.map((p) => p.to)).toEqual([3, 4, 5]);
    expect(reader.snapshot).toEqual(versions[4]);
  });

  it("ignores a version it already has, and holds one that comes early until its predecessor does", async () => {
    const versions = history(5);
    const { reader, join, announce, timers, store } = rig(versions, { stored: 2 });
    await join();
    announce(4);
    announce(2);
    expect(reader.received).toEqual([]);
    announce(3);
    expect(reader.received.map((p) => p.to)).toEqual([3, 4]);
    const reads = store.reads;
    await timers.advance(GAP_WAIT_MS * 2);
    expect(store.reads).toBe(reads); // the gap closed by itself: no fill was left scheduled
  });

  it("fills a gap from the store, version by version, once GAP_WAIT_MS has passed without the missing version", async () => {
    const versions = history(6);
    const { reader, join, announce, timers, store } = rig(versions, { stored: 2 });
    await join();
    store.upTo = 6;
    announce(5);
    await timers.advance(GAP_WAIT_MS - 1);
    expect(reader.received).toEqual([]);
    await timers.advance(1);
    // 3 and 4 from the store, then 5 (also the store's), then 6, which the store had too.
    expect(reader.received.map((p) => [p.from, p.to])).toEqual([[2, 3], [3, 4], [4, 5], [5, 6]]);
    expect(reader.snapshot).toEqual(versions[5]);
  });

  it("fills a hole wider than REPLAY_LIMIT with one patch", async () => {
    const versions = history(REPLAY_LIMIT + 5);
    const { reader, join, announce, timers, store } = rig(versions, { stored: 2 });
    await join();
    store.upTo = versions.length;
    announce(versions.length);
    await timers.advance(GAP_WAIT_MS);
    expect(reader.received.map((p) => [p.from, p.to])).toEqual([[2, versions.length]]);
    expect(reader.snapshot).toEqual(versions.at(-1));
  });

  it("asks the store at once about a version that straddles what readers have", async () => {
    const versions = history(4);
    const { reader, join, sequencer, timers, store } = rig(versions, { stored: 3 });
    await join();
    store.upTo = 4;
    sequencer.accept({ storyId: STORY, from: 2, to: 4, ops: [] });
    await timers.advance(0);
    expect(reader.received.map((p) => [p.from, p.to])).toEqual([[3, 4]]);
  });

  it(`sends up to ${SEPARATE_VERSIONS} versions that queued up while the fan-out was busy one each, more as one patch`, async () => {
    const versions = history(2 + SEPARATE_VERSIONS + SEPARATE_VERSIONS + 1);
    const { reader, join, announce, deliver } = rig(versions, { stored: 2, takeAtOnce: false });
    await join();
    for (let to = 3; to < 3 + SEPARATE_VERSIONS; to++) announce(to);
    deliver();
    expect(reader.received).toHaveLength(SEPARATE_VERSIONS);
    for (let to = 3 + SEPARATE_VERSIONS; to <= versions.length; to++) announce(to);
    deliver();
    expect(reader.received.at(-1)).toMatchObject({ from: 2 + SEPARATE_VERSIONS, to: versions.length });
    expect(reader.received).toHaveLength(SEPARATE_VERSIONS + 1);
    expect(reader.snapshot).toEqual(versions.at(-1));
  });

  describe("a joining reader", () => {
    it("gets the snapshot without a version, nothing when current, one patch shared by all from an older version", async () => {
      const versions = history(8);
      const { join } = rig(versions);
      const fresh = await join();
      expect(fresh.plan.send).toMatchObject({ event: "snapshot", message: { snapshot: versions[7] } });
      expect((await join(8)).plan).toEqual({ version: 8 });
      const first = await join(6);
      const second = await join(6);
      expect(first.plan.send).toMatchObject({ event: "patch", message: { from: 6, to: 8 } });
      expect(second.plan.send!.message).toBe(first.plan.send!.message); // worked out and encoded once
    });

    it("gets the snapshot when it is smaller than the catch-up", async () => {
      const versions = history(30);
      const { join } = rig(versions);
      expect((await join(1)).plan.send?.event).toBe("snapshot");
    });

    it("answers not_found for an unknown story, and cancelled when the reader gave up while it loaded", async () => {
      const { sequencer } = rig(history(2));
      expect(await sequencer.join("nope", undefined, () => true, () => {})).toBe("not_found");
      expect(await sequencer.join(STORY, 1, () => false, () => expect.unreachable())).toBe("cancelled");
    });

    it("is handed what readers were given, not versions still queued for the fan-out (they reach it with theirs)", async () => {
      const versions = history(5);
      const { join, announce, sequencer } = rig(versions, { stored: 3, takeAtOnce: false });
      await join();
      announce(4);
      announce(5);
      expect((await join()).plan.version).toBe(3);
      expect((await join(4)).plan).toEqual({ version: 4 });
      expect(sequencer.take(STORY).steps.map((step) => step.message.to)).toEqual([4, 5]);
    });
  });

  it("forgets the least recently used story nobody follows once 1000 are cached, never a followed one", async () => {
    const versions = history(1);
    const { sequencer, evicted, followed } = rig(versions);
    followed.clear();
    followed.add("s-0");
    for (let n = 0; n <= 1000; n++) sequencer.cacheCreated({ ...versions[0]!, id: `s-${n}` });
    expect(evicted).toEqual(["s-1"]);
  });

  it("fuzz: versions announced in any order, some lost, some twice, reach a reader in order and complete", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 30 }),
        fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
        async (count, keys, lost) => {
          const versions = history(count + 1);
          const { reader, join, announce, timers, deliver, store, sequencer } = rig(versions, { stored: 1, takeAtOnce: false });
          await join();
          store.upTo = versions.length; // all committed; the announcements are on their way
          // Every version after the first is announced once (unless lost), some twice, in a random order.
          const announcements = versions.slice(1).flatMap((s, i) => (lost[i] ? [] : keys[i]! % 3 === 0 ? [s.version, s.version] : [s.version]));
          const order = announcements.map((to, i) => ({ to, key: keys[i % keys.length]! * 31 + i })).sort((a, b) => a.key - b.key);
          for (const [i, { to }] of order.entries()) {
            announce(to);
            if (keys[i % keys.length]! % 4 === 0) deliver();
            if (keys[i % keys.length]! % 5 === 0) await timers.advance(GAP_WAIT_MS / 2);
          }
          await timers.advance(GAP_WAIT_MS);
          // A lost last version is revealed by no later one: the cluster's periodic resync finds it.
          await sequencer.resync();
          deliver();
          expect(reader.snapshot).toEqual(versions.at(-1));
          const tos = reader.received.map((p) => p.to);
          expect(tos).toEqual([...tos].sort((a, b) => a - b));
        },
      ),
      { seed: 1515, numRuns: 100 },
    );
  });
});
