import { describe, expect, it } from "vitest";
import type { Draft } from "../../shared/accounts.js";
import type { Operation } from "../../shared/operations.js";
import { ReducerError } from "../../shared/reducer.js";
import type { Snapshot } from "../../shared/story.js";
import { DraftChanged, DraftGone } from "./accounts.js";
import { commitRules, runAsync, runSync, type CommitRows } from "./commit-rules.js";
import { CHECKPOINT_INTERVAL, checkpointDue, TooManyStories, VersionConflict, type CommitRequest } from "./store.js";

/**
 * The rules on the smallest rows there are: one story's rows in memory, each call written to a
 * journal. The stores' own rows are covered by the contract suites, run on SQLite and PostgreSQL.
 */
class MemoryRows {
  latestSnapshot: Snapshot | undefined;
  stories = 0;
  drafts = new Map<string, Draft>();
  images = new Set<string>();
  readonly journal: string[] = [];

  /** The rows as a synchronous store gives them, or as an asynchronous one (every result a promise). */
  rows(mode: "sync" | "async"): CommitRows {
    const done = <T>(value: T) => (mode === "sync" ? value : Promise.resolve(value));
    const log = (line: string) => done(void this.journal.push(line));
    return {
      takeDraft: (id, revision) => {
        const draft = this.drafts.get(id);
        if (!draft) throw new DraftGone();
        if (draft.revision !== revision) throw new DraftChanged(draft.revision);
        this.drafts.delete(id);
        return done(draft);
      },
      recordClosed: (closed) => log(`closed ${closed.id} ${closed.outcome}`),
      latest: () => done(this.latestSnapshot),
      publishImages: (ids) => {
        this.journal.push(`images ${ids.join(",")}`);
        return done(ids.filter((id) => this.images.has(id)));
      },
      countStories: () => done(this.stories),
      saveStory: (snapshot, _json, created) => {
        this.latestSnapshot = snapshot;
        if (created) this.stories++;
        return log(`story ${snapshot.version}${created ? " created" : ""}`);
      },
      saveEntries: ({ upserts, removals }) => log(`entries +${upserts.map((row) => row.id).join(",")} -${removals.join(",")}`),
      insertVersion: (version, operation) => log(`version ${version} ${operation.type}`),
      insertRemovals: (removals) => log(`removals ${removals.map((removal) => removal.entryId).join(",")}`),
      insertCheckpoint: (version) => log(`checkpoint ${version}`),
      completeKey: (scope, key, response) => log(`key ${scope}/${key} ${response.status}`),
      insertAlerts: (alerts) => log(`alerts ${alerts.map((alert) => `${alert.entryId}@${alert.version}`).join(",")}`),
      answerQuestion: (id, entryId) => {
        this.journal.push(`answered ${id} by ${entryId}`);
        return done(undefined);
      },
    };
  }
}

let clock = 0;
const stamp = (operation: Operation) => ({ ...operation, at: new Date(Date.UTC(2026, 0, 1) + ++clock * 1000).toISOString(), author: { name: "Desk" } });
const create: Operation = { type: "create_story", storyId: "s", title: "S", summary: "" };
const add = (n: number): Operation => ({ type: "add_entry", entryId: `e_${n}`, body: `Update ${n}`, kind: "update", pinned: false });

for (const mode of ["sync", "async"] as const) {
  describe(`commitRules, run ${mode === "sync" ? "synchronously (runSync)" : "asynchronously (runAsync)"}`, () => {
    const run = (memory: MemoryRows, request: Omit<CommitRequest, "storyId">) => {
      const rules = commitRules(memory.rows(mode), { storyId: "s", ...request });
      return mode === "sync" ? Promise.resolve().then(() => runSync(rules)) : runAsync(rules);
    };

    it("writes the story first, then the entries it changed, the version, removals and checkpoint, and completes the key with the answer", async () => {
      const memory = new MemoryRows();
      const respond = () => ({ status: 201, body: {} });
      const created = await run(memory, { operation: stamp(create), idempotency: { scope: "p", key: "k", respond } });
      expect(created).toMatchObject({ changed: true, snapshot: { version: 1 }, response: { status: 201 } });
      expect(created.previous).toBeUndefined();
      await run(memory, { operation: stamp(add(1)) });
      const removed = await run(memory, { operation: stamp({ type: "remove_entry", entryId: "e_1" }), expectedVersion: 2 });
      expect(removed.previous?.version).toBe(2);
      expect(memory.journal).toEqual([
        "story 1 created", "entries + -", "version 1 create_story", "removals ", "checkpoint 1", "key p/k 201",
        "story 2", "entries +e_1 -", "version 2 add_entry", "removals ",
        "story 3", "entries + -e_1", "version 3 remove_entry", "removals e_1",
      ]);
    });

    it("keeps a checkpoint every CHECKPOINT_INTERVAL versions", async () => {
      const memory = new MemoryRows();
      await run(memory, { operation: stamp(create) });
      for (let n = 2; n <= CHECKPOINT_INTERVAL; n++) await run(memory, { operation: stamp(add(n)) });
      expect(memory.journal.filter((line) => line.startsWith("checkpoint"))).toEqual(["checkpoint 1", `checkpoint ${CHECKPOINT_INTERVAL}`]);
    });

    it("refuses a stale If-Match, a story past MAX_STORIES and an entry past MAX_ENTRIES_PER_STORY, writing nothing", async () => {
      const memory = new MemoryRows();
      await run(memory, { operation: stamp(create) });
      const before = memory.journal.length;
      await expect(run(memory, { operation: stamp(add(1)), expectedVersion: 7 })).rejects.toEqual(new VersionConflict(1));
      await expect(run(new MemoryRows(), { operation: stamp(create), limits: { maxStories: 0, maxEntries: 10 } })).rejects.toBeInstanceOf(TooManyStories);
      await expect(run(memory, { operation: stamp(add(1)), limits: { maxStories: 0, maxEntries: 0 } })).rejects.toBeInstanceOf(ReducerError);
      expect(memory.journal.length).toBe(before);
    });

    it("writes nothing for a change that changes nothing but its idempotent answer, in the same transaction", async () => {
      const memory = new MemoryRows();
      await run(memory, { operation: stamp(create) });
      const before = memory.journal.length;
      const same = await run(memory, { operation: stamp({ type: "update_story", title: "S" }), idempotency: { scope: "p", key: "k", respond: () => ({ status: 200, body: {} }) } });
      expect(same).toMatchObject({ changed: false, ops: [], snapshot: { version: 1 }, response: { status: 200 } });
      expect(memory.journal.slice(before)).toEqual(["key p/k 200"]);
      await run(memory, { operation: stamp({ type: "update_story", title: "S" }) });
      expect(memory.journal.slice(before)).toEqual(["key p/k 200"]);
    });

    it("refuses a photo no longer stored (taken down or collected) once the story is held, writing nothing", async () => {
      const memory = new MemoryRows();
      await run(memory, { operation: stamp(create) });
      const photo = (id: string) => ({ type: "image" as const, id, alt: id, width: 10, height: 10 });
      const [kept, gone] = [`m_${"1".repeat(32)}`, `m_${"2".repeat(32)}`];
      memory.images.add(kept);
      memory.journal.length = 0;
      const error = await run(memory, { operation: stamp({ ...add(1), media: [photo(kept), photo(gone), photo(kept)] } as Operation) }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "unknown_media" });
      expect(error).toBeInstanceOf(ReducerError);
      expect(memory.journal).toEqual([`images ${kept},${gone}`]);
      await run(memory, { operation: stamp({ ...add(2), media: [photo(kept)] } as Operation) });
      await expect(run(memory, { operation: stamp({ type: "edit_entry", entryId: "e_2", media: [photo(gone)] }) })).rejects.toMatchObject({ code: "unknown_media" });
      // Operations without photos ask nothing.
      memory.journal.length = 0;
      await run(memory, { operation: stamp({ type: "edit_entry", entryId: "e_2", body: "Text only" }) });
      expect(memory.journal.some((line) => line.startsWith("images"))).toBe(false);
    });

    it("writes an alert to the outbox in the version's transaction for a breaking entry published alone, unless turned off", async () => {
      const memory = new MemoryRows();
      await run(memory, { operation: stamp(create) });
      const breaking = (n: number, alert?: boolean): Operation => ({ ...add(n), kind: "breaking", ...(alert === undefined ? {} : { alert }) }) as Operation;
      await run(memory, { operation: stamp(breaking(1)) });
      await run(memory, { operation: stamp(breaking(2, false)) });
      await run(memory, { operation: stamp(add(3)) });
      await run(memory, { operation: stamp({ type: "edit_entry", entryId: "e_1", body: "Edited" }) });
      await run(memory, { operation: stamp({ type: "edit_entry", entryId: "e_3", kind: "breaking" }) });
      await run(memory, { operation: stamp({ type: "add_entries", entries: [{ entryId: "e_4", body: "Wire", kind: "breaking", pinned: false }] }) });
      await run(memory, { operation: stamp({ type: "remove_entry", entryId: "e_1" }) });
      expect(memory.journal.filter((line) => line.startsWith("alerts"))).toEqual(["alerts e_1@2"]);
      // Before the checkpoint and the key: inside the same transaction as the version it belongs to.
      const at = memory.journal.indexOf("alerts e_1@2");
      expect(memory.journal[at - 2]).toBe("version 2 add_entry");
    });

    it("marks the reader's question answered by the added entry in the version's transaction, and only for a write that went through", async () => {
      const memory = new MemoryRows();
      await run(memory, { operation: stamp(create) });
      const respond = () => ({ status: 201, body: {} });
      await expect(run(memory, { operation: stamp(add(1)), expectedVersion: 7, answersQuestion: "q_1" })).rejects.toBeInstanceOf(VersionConflict);
      await run(memory, { operation: stamp({ type: "update_story", title: "Edited" }), answersQuestion: "q_1" });
      expect(memory.journal.some((line) => line.startsWith("answered"))).toBe(false);
      await run(memory, { operation: stamp(add(1)), answersQuestion: "q_1", idempotency: { scope: "p", key: "k", respond } });
      const at = memory.journal.indexOf("answered q_1 by e_1");
      expect(memory.journal.slice(at - 3, at + 2)).toEqual(["entries +e_1 -", "version 3 add_entry", "removals ", "answered q_1 by e_1", "key p/k 201"]);
    });

    it("consumes the published draft at its revision, before anything else, and only once", async () => {
      const memory = new MemoryRows();
      await run(memory, { operation: stamp(create) });
      const draft = { id: "d", revision: 2 } as Draft;
      memory.drafts.set("d", draft);
      await expect(run(memory, { operation: stamp(add(1)), consumeDraft: { id: "d", revision: 1 } })).rejects.toBeInstanceOf(DraftChanged);
      memory.journal.length = 0;
      await run(memory, { operation: stamp(add(1)), consumeDraft: { id: "d", revision: 2 } });
      expect(memory.journal[0]).toBe("closed d published");
      await expect(run(memory, { operation: stamp(add(2)), consumeDraft: { id: "d", revision: 2 } })).rejects.toBeInstanceOf(DraftGone);
    });
  });
}

it("runSync refuses rows that answer with promises", () => {
  expect(() => runSync(commitRules(new MemoryRows().rows("async"), { storyId: "s", operation: stamp(create) }))).toThrow(/promise/);
});

describe("checkpointDue", () => {
  it("spaces checkpoints as the story grows: never more versions apart than it has entries, a few for thousands of writes", () => {
    // One entry a version, as a day of live coverage grows a story, to 5,000 entries.
    const kept: number[] = [];
    let previous = 1;
    for (let version = 1; version <= 5_000; version++) {
      const entries = version - 1;
      if (!checkpointDue(version, entries)) continue;
      expect(version - previous, `checkpoints ${previous} and ${version}`).toBeLessThanOrEqual(Math.max(CHECKPOINT_INTERVAL, entries));
      kept.push((previous = version));
    }
    expect(kept.slice(0, 6)).toEqual([1, 50, 100, 200, 400, 800]);
    expect(5_000 - previous).toBeLessThan(5_000 / 2);
    expect(kept.length).toBeLessThan(20);
    // A short story keeps the plain interval, however many versions its edits make.
    expect([1, 49, 50, 99, 100].map((version) => checkpointDue(version, 30))).toEqual([true, false, true, false, true]);
  });
});
