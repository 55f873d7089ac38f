import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Operation } from "../../shared/operations.js";
import { applyPatch } from "../../shared/patch.js";
import { ReducerError } from "../../shared/reducer.js";
import type { Snapshot } from "../../shared/story.js";
import { CHECKPOINT_INTERVAL, TooManyStories, VersionConflict, type Store } from "./store.js";

const author = { name: "Desk" };
let clock = 0;
const stamp = (op: Operation) => ({ ...op, at: new Date(Date.UTC(2026, 0, 1) + ++clock * 1000).toISOString(), author });
const add = (n: number): Operation => ({ type: "add_entry", entryId: `e_n${String(n).padStart(4, "0")}`, body: `Update ${n}`, kind: "update", pinned: false });

/** What `open` gives a contract run: a fresh, empty store, and optionally ways to reopen its data. */
export interface OpenedStore {
  store: Store;
  /** Opens the same data again. */
  reopen?: () => Promise<Store>;
  /**
   * Rewrites the (closed) store's data into the schema of the release before the story list got
   * its columns and removals were recorded, as a database written by that release would be.
   */
  downgrade?: () => Promise<void>;
  /**
   * Rewrites the (closed) store's data into the layout of the release that kept each story's whole
   * latest snapshot in its row (before story-pieces.ts), as a database written by it would be.
   */
  wholeSnapshots?: () => Promise<void>;
  /** Runs SQL on the store's data from another connection. */
  exec?: (sql: string) => Promise<void>;
}

/**
 * Desk work of every kind on `story` at step `n`: adds, edits, pins, removals, an id removed
 * earlier (from `removed`) added again, story changes.
 */
function deskWork(n: number, story: Snapshot, removed: string[]): Operation {
  const ids = Object.keys(story.entries);
  const some = ids[(n * 7) % Math.max(ids.length, 1)];
  if (some && n % 11 === 0) return removed.push(some), { type: "remove_entry", entryId: some };
  if (removed.length && n % 11 === 5) return { type: "add_entry", entryId: removed.shift()!, body: `Back again ${n}`, kind: "correction", pinned: false };
  if (some && n % 7 === 0) return { type: "edit_entry", entryId: some, body: `Edited at ${n}`, headline: `Now ${n}` };
  if (some && n % 13 === 0) return { type: "edit_entry", entryId: some, pinned: true };
  if (n % 17 === 0) return { type: "update_story", title: `Title ${n}`, summary: `Summary ${n}` };
  return add(n);
}

/**
 * The behaviour every Store must have, run unchanged against each implementation.
 * `open` returns a fresh, empty store; `reopen` (optional) opens the same data again.
 */
export function describeStoreContract(name: string, open: () => Promise<OpenedStore>) {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let reopen: (() => Promise<Store>) | undefined;
    let downgrade: (() => Promise<void>) | undefined;
    let exec: ((sql: string) => Promise<void>) | undefined;
    let wholeSnapshots: (() => Promise<void>) | undefined;
    const commit = (storyId: string, op: Operation, expectedVersion?: number) =>
      store.commit({ storyId, operation: stamp(op), ...(expectedVersion ? { expectedVersion } : {}) });
    const create = (storyId: string) => commit(storyId, { type: "create_story", storyId, title: `Story ${storyId}`, summary: "" });

    beforeEach(async () => {
      ({ store, reopen, downgrade, exec, wholeSnapshots } = await open());
    });
    afterEach(async () => {
      await store.close();
    });

    it("creates stories at version 1 and lists them, live first", async () => {
      await create("a");
      await create("b");
      await commit("a", { type: "update_story", status: "ended" });
      const list = await store.listStories();
      expect(list.map((s) => [s.id, s.status, s.version])).toEqual([["b", "live", 1], ["a", "ended", 2]]);
      await expect(create("a")).rejects.toThrow(ReducerError);
    });

    it("appends gap-free versions and returns every one of them as it was", async () => {
      await create("s");
      const seen = [await store.latest("s")];
      // Past 100 entries, where checkpoints space out to every 100th version (checkpointDue).
      for (let n = 1; n < 4 * CHECKPOINT_INTERVAL + 7; n++) {
        const committed = await commit("s", n % 10 === 0 ? { type: "remove_entry", entryId: `e_n${String(n - 1).padStart(4, "0")}` } : add(n));
        expect(committed.snapshot.version).toBe(n + 1);
        expect(committed.previous?.version).toBe(n);
        seen.push(committed.snapshot);
      }
      for (const snapshot of seen) expect(await store.snapshotAt("s", snapshot!.version)).toEqual(snapshot);
      expect(await store.snapshotAt("s", seen.length + 1)).toBeUndefined();
      expect(await store.latest("s")).toEqual(seen.at(-1));
    });

    it("returns patches that replay to the committed snapshot", async () => {
      const first = await create("s");
      let snapshot = first.snapshot;
      for (let n = 1; n <= 5; n++) {
        const committed = await commit("s", add(n));
        snapshot = applyPatch(snapshot, committed.ops);
        expect(snapshot).toEqual(committed.snapshot);
      }
    });

    it("keeps the history newest first, with author and summary, and pages it", async () => {
      await create("s");
      await commit("s", add(1));
      await commit("s", { type: "update_story", title: "New title" });
      const history = await store.history("s", { limit: 10 });
      expect(history?.map((h) => h.version)).toEqual([3, 2, 1]);
      expect(history?.[1]).toMatchObject({ author, summary: 'Added "Update 1"', changes: [{ type: "entry_added", label: "Update 1" }] });
      expect(history?.[0]?.changes).toEqual([{ type: "title_changed", title: "New title" }]);
      expect((await store.history("s", { before: 3, limit: 1 }))?.map((h) => h.version)).toEqual([2]);
      expect(await store.history("nope", { limit: 10 })).toBeUndefined();
    });

    it("keeps figures in the snapshot and picks the versions that touched them, oldest first, by their patches alone", async () => {
      expect(await store.factVersions("nope", 10)).toBeUndefined();
      await create("s");
      expect(await store.factVersions("s", 10)).toEqual([]);
      await commit("s", { type: "set_fact", factId: "f_injured", label: "Injured", value: "at least 11" });
      // An entry whose text looks like a figure's patch is not one.
      await commit("s", { type: "add_entry", entryId: "e_n0001", body: '{"op":"add","path":"/facts/f_x","value":1}', kind: "update", pinned: false });
      await commit("s", { type: "set_fact", factId: "f_injured", label: "Injured", value: "at least 15", source: "National Police" });
      await commit("s", { type: "remove_fact", factId: "f_injured" });
      const versions = await store.factVersions("s", 10);
      expect(versions?.map((v) => v.version)).toEqual([2, 4, 5]);
      expect(versions?.[1]).toMatchObject({ author, ops: expect.arrayContaining([{ op: "replace", path: "/facts/f_injured/value", value: "at least 15" }]) });
      expect((await store.factVersions("s", 2))?.map((v) => v.version)).toEqual([4, 5]);
      expect((await store.snapshotAt("s", 4))?.facts?.f_injured?.value).toBe("at least 15");
      expect(await store.latest("s")).not.toHaveProperty("facts");
    });

    it("lists removed entries newest first, each with when it was published and removed, and nothing else", async () => {
      expect(await store.removedEntries("nope")).toBeUndefined();
      await create("s");
      expect(await store.removedEntries("s")).toEqual([]);
      const first = await commit("s", { type: "add_entry", entryId: "e_n0001", headline: "First", body: "Update 1", kind: "update", pinned: false });
      await commit("s", add(2));
      await commit("s", add(3));
      await commit("s", { type: "edit_entry", entryId: "e_n0001", headline: "", body: "Update 1, corrected" }); // removes /entries/e_n0001/headline
      expect(await store.removedEntries("s")).toEqual([]);
      const removal1 = await commit("s", { type: "remove_entry", entryId: "e_n0001" });
      const removal2 = await store.commit({ storyId: "s", operation: { ...stamp({ type: "remove_entry", entryId: "e_n0002" }), author: { name: "Night desk" } } });
      await commit("s", { type: "update_story", title: "Later" });

      const removed = await store.removedEntries("s");
      expect(removed).toEqual([
        { entryId: "e_n0002", version: 7, at: removal2.snapshot.updatedAt, author: { name: "Night desk" }, publishedAt: removal2.previous!.entries.e_n0002!.createdAt },
        { entryId: "e_n0001", version: 6, at: removal1.snapshot.updatedAt, author, publishedAt: first.snapshot.entries.e_n0001!.createdAt },
      ]);
    });

    it("lists stories from their own columns, which follow every commit, never parsing a snapshot", async () => {
      await create("a");
      await commit("a", { type: "update_story", title: "Renamed" });
      const latest = (await commit("a", add(1))).snapshot;
      const list = [{ id: "a", title: "Renamed", status: "live", version: 3, updatedAt: latest.updatedAt }];
      expect(await store.listStories()).toEqual(list);
      if (!exec) return;
      await exec("UPDATE stories SET head = 'not JSON: a listing that parsed it would throw'");
      expect(await store.listStories()).toEqual(list);
    });

    /** Commits `count` versions of desk work to a new story "s" and returns every snapshot as committed. */
    async function deskDay(count: number) {
      const served = [(await create("s")).snapshot];
      const removed: string[] = [];
      for (let n = 1; n < count; n++) {
        const committed = await commit("s", deskWork(n, served.at(-1)!, removed));
        if (committed.changed) served.push(committed.snapshot);
      }
      return served;
    }

    it("keeps the latest state in pieces that a reopened store reads back exactly, and every version rebuilt from checkpoint and patches as it was served", async () => {
      if (!reopen) return;
      const served = await deskDay(2 * CHECKPOINT_INTERVAL + 23);
      const latest = served.at(-1)!;
      expect(Object.values(latest.entries).some((entry) => entry.pinned)).toBe(true);
      await store.close();
      store = await reopen(); // nothing parsed or cached: the latest comes from its rows
      const read = await store.latest("s");
      // The same JSON, byte for byte: entries in the order they were added, an id added again last.
      expect(JSON.stringify(read)).toBe(JSON.stringify(latest));
      for (const snapshot of served) expect(await store.snapshotAt("s", snapshot.version), `version ${snapshot.version}`).toEqual(snapshot);
      // And writing goes on from the pieces.
      const next = await commit("s", { type: "edit_entry", entryId: Object.keys(latest.entries)[0]!, body: "Later" });
      expect(next.previous).toEqual(latest);
      expect(applyPatch(latest, next.ops)).toEqual(next.snapshot);
    });

    it("keeps a story's language, and reads a story stored before stories had one as English, its old versions too", async () => {
      if (!reopen || !exec) return;
      await commit("uk", { type: "create_story", storyId: "uk", title: "Удари по Києву", summary: "", language: "uk" });
      await create("old");
      for (let n = 1; n <= CHECKPOINT_INTERVAL + 3; n++) await commit("old", add(n));
      await store.close();
      // As the release before languages wrote it: no language in any head, checkpoint or patch.
      const strip = (table: string, column: string) => `UPDATE ${table} SET ${column} = replace(${column}, ',"language":"en"', '')`;
      await exec(`${strip("stories", "head")}; ${strip("checkpoints", "snapshot")}; ${strip("versions", "ops")}`);
      store = await reopen();
      expect((await store.latest("uk"))?.language).toBe("uk");
      const old = (await store.latest("old"))!;
      expect(old.language).toBe("en");
      for (let version = 1; version <= old.version; version++) expect((await store.snapshotAt("old", version))?.language, `version ${version}`).toBe("en");
      // A change of language is a plain replace, which applies to every snapshot a reader was served.
      const moved = await commit("old", { type: "update_story", language: "ar" });
      expect(moved.ops).toContainEqual({ op: "replace", path: "/language", value: "ar" });
      expect(applyPatch(old, moved.ops)).toEqual(moved.snapshot);
      expect((await store.snapshotAt("old", moved.snapshot.version))?.language).toBe("ar");
      expect((await store.snapshotAt("old", old.version))?.language).toBe("en");
    });

    it("upgrades data of the release that kept whole snapshots in place: every version and the latest read back, and writing goes on", async () => {
      if (!reopen || !wholeSnapshots) return;
      const served = await deskDay(CHECKPOINT_INTERVAL + 31);
      await create("empty");
      const list = await store.listStories();
      await store.close();
      await wholeSnapshots();
      store = await reopen();
      expect(await store.listStories()).toEqual(list);
      expect((await store.latest("empty"))?.entries).toEqual({});
      for (const snapshot of served) expect(await store.snapshotAt("s", snapshot.version), `version ${snapshot.version}`).toEqual(snapshot);
      expect(await store.latest("s")).toEqual(served.at(-1));
      const next = await commit("s", add(999));
      expect(next.snapshot.version).toBe(served.at(-1)!.version + 1);
      await store.close();
      store = await reopen(); // a second open finds nothing left to upgrade
      expect(await store.latest("s")).toEqual(next.snapshot);
    });

    it("rebuilds an old version as often as asked, each time the same and never changed by a later read", async () => {
      await create("s");
      for (let n = 1; n <= CHECKPOINT_INTERVAL + 10; n++) await commit("s", add(n));
      const committed = await commit("s", { type: "remove_entry", entryId: "e_n0003" });
      const old = await store.snapshotAt("s", CHECKPOINT_INTERVAL + 5);
      const copy = structuredClone(old);
      await store.snapshotAt("s", CHECKPOINT_INTERVAL + 6);
      await store.snapshotAt("s", committed.snapshot.version);
      expect(await store.snapshotAt("s", CHECKPOINT_INTERVAL + 5)).toEqual(copy);
      expect(Object.keys(copy!.entries)).toHaveLength(CHECKPOINT_INTERVAL + 4);
    });

    it("refuses a stale expected version and writes nothing", async () => {
      await create("s");
      await commit("s", add(1), 1);
      await expect(commit("s", add(2), 1)).rejects.toEqual(new VersionConflict(2));
      expect((await store.latest("s"))?.version).toBe(2);
    });

    it("writes no version when nothing changes", async () => {
      await create("s");
      const result = await commit("s", { type: "update_story", title: "Story s" });
      expect(result.changed).toBe(false);
      expect((await store.latest("s"))?.version).toBe(1);
    });

    it("rolls back a failed operation completely", async () => {
      await create("s");
      await expect(commit("s", { type: "remove_entry", entryId: "e_none" })).rejects.toThrow(ReducerError);
      expect((await store.history("s", { limit: 10 }))?.length).toBe(1);
    });

    it("assigns distinct consecutive versions to concurrent commits", async () => {
      await create("s");
      const results = await Promise.all(Array.from({ length: 40 }, (_, n) => commit("s", add(n))));
      expect(results.map((r) => r.snapshot.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n + 2));
    });

    it("holds the entry cap under concurrent commits: exactly the room left is filled", async () => {
      await create("s");
      for (let n = 0; n < 3; n++) await commit("s", add(n));
      const limits = { maxEntries: 5, maxStories: 100 };
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, n) => store.commit({ storyId: "s", operation: stamp(add(10 + n)), limits })),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "too_many_entries" });
      const latest = await store.latest("s");
      expect(Object.keys(latest!.entries)).toHaveLength(5);
      expect(latest?.version).toBe(6);
      expect((await store.history("s", { limit: 100 }))?.length).toBe(6);
    });

    it("judges a batch against the cap inside the transaction: of concurrent batches, only those that fit whole are written", async () => {
      await create("s");
      const limits = { maxEntries: 10, maxStories: 100 };
      const batch = (n: number): Operation => ({ type: "add_entries", entries: [0, 1, 2].map((k) => ({ ...(add(10 * n + k) as Extract<Operation, { type: "add_entry" }>), createdAt: "2026-01-01T00:00:00.000Z" })) });
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, n) => store.commit({ storyId: "s", operation: stamp(batch(n + 1)), limits })));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "too_many_entries" });
      const latest = await store.latest("s");
      expect(Object.keys(latest!.entries)).toHaveLength(9);
      expect(latest?.version).toBe(4);
      expect(Object.values(latest!.entries).every((e) => e.createdAt === "2026-01-01T00:00:00.000Z")).toBe(true);
      // Rebuilt from the log of versions' patches, the story is the one its entry rows make.
      expect(await store.snapshotAt("s", 4)).toEqual(latest);
    });

    it("holds the story cap under concurrent creations, and writes to existing stories go on", async () => {
      await create("a");
      const limits = { maxEntries: 100, maxStories: 3 };
      const creations = ["b", "c", "d", "e", "f"].map((id) =>
        store.commit({ storyId: id, operation: stamp({ type: "create_story", storyId: id, title: id, summary: "" }), limits }),
      );
      const results = await Promise.allSettled(creations);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toEqual(new TooManyStories(3));
      expect(await store.listStories()).toHaveLength(3);
      expect((await store.commit({ storyId: "a", operation: stamp(add(1)), limits })).snapshot.version).toBe(2);
    });

    it("claims, replays, refuses and releases idempotency keys", async () => {
      const claim = { scope: "p", key: "k", fingerprint: "f1" };
      expect(await store.claimIdempotencyKey(claim, 30_000)).toEqual({ kind: "claimed" });
      expect(await store.claimIdempotencyKey(claim, 30_000)).toEqual({ kind: "in_flight" });
      expect(await store.claimIdempotencyKey({ ...claim, fingerprint: "f2" }, 30_000)).toEqual({ kind: "mismatch" });
      expect(await store.claimIdempotencyKey(claim, 0)).toEqual({ kind: "claimed" }); // lease ran out: the first request died

      await create("s");
      const committed = await store.commit({
        storyId: "s",
        operation: stamp(add(1)),
        idempotency: { scope: "p", key: "k", respond: (c) => ({ status: 201, body: { version: c.snapshot.version } }) },
      });
      expect(committed.response).toEqual({ status: 201, body: { version: 2 } });
      expect(await store.claimIdempotencyKey(claim, 30_000)).toEqual({ kind: "replay", response: { status: 201, body: { version: 2 } } });
      expect(await store.claimIdempotencyKey({ ...claim, scope: "other" }, 30_000)).toEqual({ kind: "claimed" });
      expect(await store.idempotencyOutcome("p", "k")).toEqual({ state: "completed", response: { status: 201, body: { version: 2 } }, completedAt: expect.any(Number) });
      expect(await store.idempotencyOutcome("other", "k")).toEqual({ state: "in_flight" });

      await store.releaseIdempotencyKey("other", "k");
      expect(await store.idempotencyOutcome("other", "k")).toBeUndefined();
      expect(await store.claimIdempotencyKey({ ...claim, scope: "other" }, 30_000)).toEqual({ kind: "claimed" });
      expect(await store.purgeIdempotencyKeys(-1000)).toBe(1); // only completed keys are purged
      expect(await store.claimIdempotencyKey(claim, 30_000)).toEqual({ kind: "claimed" });
    });

    it("keeps everything it acknowledged across a reopen", async () => {
      if (!reopen) return;
      await create("s");
      for (let n = 1; n <= 3; n++) await commit("s", add(n));
      const before = await store.latest("s");
      await store.close();
      store = await reopen();
      expect(await store.latest("s")).toEqual(before);
      expect((await commit("s", add(9))).snapshot.version).toBe(5);
    });

    it("upgrades data written by the previous release in place: list columns filled, old removals found", async () => {
      if (!reopen || !downgrade) return;
      await create("a");
      await create("s");
      await commit("s", { type: "update_story", title: "Renamed" });
      for (let n = 1; n < CHECKPOINT_INTERVAL + 20; n++) await commit("s", add(n));
      for (const n of [2, 40, 60]) await commit("s", { type: "remove_entry", entryId: `e_n${String(n).padStart(4, "0")}` });
      await commit("s", add(2)); // the same id again, and removed again: two removals of one entry
      await commit("s", { type: "remove_entry", entryId: "e_n0002" });
      const list = await store.listStories();
      const removed = await store.removedEntries("s");
      const latest = await store.latest("s");
      expect(removed?.map((r) => r.entryId)).toEqual(["e_n0002", "e_n0060", "e_n0040", "e_n0002"]);
      await store.close();
      await downgrade();
      store = await reopen();
      expect(await store.listStories()).toEqual(list);
      expect(await store.removedEntries("s")).toEqual(removed);
      expect(await store.latest("s")).toEqual(latest);
      // And it goes on recording.
      await commit("s", { type: "remove_entry", entryId: "e_n0001" });
      expect((await store.removedEntries("s"))?.[0]).toMatchObject({ entryId: "e_n0001", version: latest!.version + 1 });
      await store.close();
      store = await reopen(); // a second open finds nothing left to upgrade
      expect(await store.listStories()).toEqual([{ ...list[0], version: latest!.version + 1, updatedAt: expect.any(String) }, list[1]]);
    });
  });
}
