import { describe, expect, it } from "vitest";
import { withTwoStores, type OpenTwoStores } from "./two-stores.js";
import type { Draft } from "./accounts.js";
import { expectGone } from "./accounts-contract.js";
import { ScheduledChanged, ScheduledGone, type ScheduledEntry } from "./scheduled-store.js";
import type { Store } from "./store.js";

const T0 = Date.UTC(2026, 5, 1, 12);
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const ROUNDS = 6;

const itemOf = (n: number, publishAt = at(60)): ScheduledEntry => ({
  id: `s_${n}`,
  storyId: "s",
  entryId: `e_s${String(n).padStart(4, "0")}`,
  publishAt,
  revision: 1,
  createdAt: at(0),
  updatedAt: at(0),
  createdBy: { name: "Olena" },
  body: `Scheduled ${n}`,
  kind: "update",
  pinned: false,
});

const rejection = (promise: Promise<unknown>) => promise.then(() => expect.fail("expected a rejection"), (error: unknown) => error);

/**
 * Scheduled entries on every Store (issue 19): nothing of them is public until due; then the store
 * publishes each exactly once, whichever connection (node, process) asks, and an edit or a cancel
 * racing the publish either wins outright or is told it lost. `open` gives a fresh store and a
 * second one on the same data.
 */
export function describeScheduledContract(name: string, open: OpenTwoStores) {
  describe(`Scheduled entries: ${name}`, () => {
    let a: Store;
    let b: Store;

    withTwoStores(
      open,
      (first, second) => ([a, b] = [first, second]),
      async (a) => {
        await a.commit({ storyId: "s", operation: { type: "create_story", storyId: "s", title: "Scheduled", summary: "", at: at(0), author: { name: "Desk" } } });
      },
    );

    it("keeps an entry out of the story until it is due, then publishes it once, at the publish time, as whoever scheduled it", async () => {
      await a.scheduled.add(itemOf(1, at(60)));
      await a.scheduled.add(itemOf(2, at(30)));
      expect((await b.scheduled.list("s")).map((i) => i.id)).toEqual(["s_2", "s_1"]);
      expect(await b.scheduled.nextDue()).toBe(at(30));
      expect(await b.scheduled.publishNext(at(29))).toBeUndefined();
      expect((await b.latest("s"))!.version).toBe(1);

      const outcome = await b.scheduled.publishNext(at(31));
      expect(outcome).toMatchObject({ kind: "published", item: { id: "s_2", published: { version: 2, at: at(31) } } });
      const entry = (await a.latest("s"))!.entries.e_s0002!;
      expect(entry).toMatchObject({ body: "Scheduled 2", createdAt: at(31), author: { name: "Olena" } });
      expect(await a.scheduled.publishNext(at(32))).toBeUndefined();
      expect((await a.scheduled.list("s")).map((i) => i.id)).toEqual(["s_1"]);
      expect(await a.scheduled.get("s", "s_2")).toMatchObject({ published: { version: 2 } });
      expect((await a.history("s", { limit: 10 }))!.map((h) => h.author.name)).toEqual(["Olena", "Desk"]);
    });

    it("publishes every due entry exactly once when two connections poll at the same moment", async () => {
      for (let n = 1; n <= 3 * ROUNDS; n++) await a.scheduled.add(itemOf(n, at(n)));
      const poll = async (store: Store) => {
        const published: string[] = [];
        for (let outcome = await store.scheduled.publishNext(at(100)); outcome; outcome = await store.scheduled.publishNext(at(100))) published.push(outcome.item.id);
        return published;
      };
      const [fromA, fromB] = await Promise.all([poll(a), poll(b)]);
      expect([...fromA, ...fromB].sort()).toEqual(Array.from({ length: 3 * ROUNDS }, (_, i) => `s_${i + 1}`).sort());
      const latest = (await a.latest("s"))!;
      expect(latest.version).toBe(1 + 3 * ROUNDS);
      expect(Object.keys(latest.entries)).toHaveLength(3 * ROUNDS);
      expect(await a.scheduled.nextDue()).toBeUndefined();
    });

    it("changes time and text one revision at a time, and refuses a stale revision", async () => {
      await a.scheduled.add(itemOf(1));
      const edited = await b.scheduled.edit("s", "s_1", { changes: { body: "Rewritten", publishAt: at(90), headline: "New" }, at: at(5), expectedRevision: 1 });
      expect(edited).toMatchObject({ body: "Rewritten", headline: "New", publishAt: at(90), revision: 2, updatedAt: at(5) });
      const stale = await rejection(a.scheduled.edit("s", "s_1", { changes: { body: "Late" }, at: at(6), expectedRevision: 1 }));
      expect(stale).toBeInstanceOf(ScheduledChanged);
      expect(await a.scheduled.publishNext(at(80))).toBeUndefined();
      expect((await a.scheduled.publishNext(at(91)))?.item).toMatchObject({ body: "Rewritten" });
      expect((await a.latest("s"))!.entries.e_s0001).toMatchObject({ body: "Rewritten", headline: "New" });
      const late = await rejection(b.scheduled.edit("s", "s_1", { changes: { body: "Too late" }, at: at(95) }));
      expect(late).toBeInstanceOf(ScheduledGone);
      expect((late as ScheduledGone).item?.published?.version).toBe(2);
    });

    it("cancels a waiting entry for good", async () => {
      await a.scheduled.add(itemOf(1));
      expect(await b.scheduled.cancel("s", "s_1", 1)).toMatchObject({ id: "s_1" });
      expect(await a.scheduled.publishNext(at(1000))).toBeUndefined();
      expect(await a.scheduled.list("s")).toEqual([]);
      expect(await rejection(a.scheduled.cancel("s", "s_1"))).toBeInstanceOf(ScheduledGone);
      expect((await a.latest("s"))!.version).toBe(1);
    });

    it("lets exactly one of a publish and a cancel or an edit at the same moment win", async () => {
      for (let n = 1; n <= 2 * ROUNDS; n++) {
        await a.scheduled.add(itemOf(n, at(10)));
        const version = (await a.latest("s"))!.version;
        const other =
          n % 2 ? () => b.scheduled.cancel("s", `s_${n}`) : () => b.scheduled.edit("s", `s_${n}`, { changes: { publishAt: at(500 + n), body: `Moved ${n}` }, at: at(11) });
        const [published, changed] = n % 4 < 2
          ? await Promise.allSettled([a.scheduled.publishNext(at(20)), other()])
          : ([...(await Promise.allSettled([other(), a.scheduled.publishNext(at(20))]))].reverse() as [PromiseSettledResult<unknown>, PromiseSettledResult<unknown>]);
        const latest = (await a.latest("s"))!;
        const entry = latest.entries[`e_s${String(n).padStart(4, "0")}`];
        const didPublish = published.status === "fulfilled" && published.value !== undefined;
        if (didPublish) {
          expect(changed.status, `round ${n}: both won`).toBe("rejected");
          expect((changed as PromiseRejectedResult).reason).toBeInstanceOf(ScheduledGone);
          expect(latest.version).toBe(version + 1);
          expect(entry?.body).toBe(`Scheduled ${n}`);
        } else {
          expect(changed.status, `round ${n}: neither won`).toBe("fulfilled");
          expect(latest.version).toBe(version);
          expect(entry).toBeUndefined();
        }
        // Whatever won, nothing more is published of it now.
        expect(await a.scheduled.publishNext(at(20))).toBeUndefined();
      }
    });

    it("takes the draft it is made from in the same transaction, once", async () => {
      const draft: Draft = { id: "d_1", storyId: "s", authorId: "u_1", author: { name: "wren" }, createdAt: at(0), updatedAt: at(0), body: "From a draft", kind: "update", pinned: false, revision: 1 };
      await a.accounts.createDraft(draft);
      const item = { ...itemOf(1), body: draft.body, byline: draft.author, draftId: draft.id };
      await a.scheduled.add(item, { consumeDraft: { id: "d_1", revision: 1 } });
      const closed = { id: "d_1", storyId: "s", authorId: "u_1", outcome: "published", by: { name: "Olena" }, at: at(0), entryId: "e_s0001" };
      expect(await b.accounts.closedDraft("s", "d_1")).toEqual(closed);
      await expectGone(b.scheduled.add({ ...item, id: "s_2" }, { consumeDraft: { id: "d_1", revision: 1 } }), closed);
      expect(await a.scheduled.list("s")).toHaveLength(1);
      await a.scheduled.publishNext(at(61));
      expect((await a.latest("s"))!.entries.e_s0001).toMatchObject({ body: "From a draft", author: { name: "wren" } });
    });

    it("marks an entry the story refuses as failed, tries it no more, and lets an edit put it back in line", async () => {
      await a.scheduled.add(itemOf(1, at(10)));
      await a.scheduled.add(itemOf(2, at(10)));
      expect(await a.scheduled.publishNext(at(11), { maxEntries: 1, maxStories: 10 })).toMatchObject({ kind: "published" });
      const failed = await a.scheduled.publishNext(at(12), { maxEntries: 1, maxStories: 10 });
      expect(failed).toMatchObject({ kind: "failed", item: { id: "s_2", failed: { code: "too_many_entries", at: at(12) } } });
      expect(await a.scheduled.publishNext(at(13))).toBeUndefined();
      expect(await a.scheduled.list("s")).toMatchObject([{ id: "s_2", failed: { code: "too_many_entries" } }]);
      const again = await a.scheduled.edit("s", "s_2", { changes: { publishAt: at(20) }, at: at(14) });
      expect(again.failed).toBeUndefined();
      expect(await a.scheduled.publishNext(at(21))).toMatchObject({ kind: "published", item: { id: "s_2" } });
    });

    it("completes the Idempotency-Key of the request that scheduled it, in the same transaction", async () => {
      const claim = { scope: "u_1", key: "k-1", fingerprint: "f" };
      expect(await a.claimIdempotencyKey(claim, 30_000)).toEqual({ kind: "claimed" });
      const respond = (item: ScheduledEntry) => ({ status: 202, body: { scheduled: item } });
      const { response } = await a.scheduled.add(itemOf(1), { idempotency: { scope: "u_1", key: "k-1", respond } });
      expect(response).toEqual({ status: 202, body: { scheduled: itemOf(1) } });
      expect(await b.claimIdempotencyKey(claim, 30_000)).toEqual({ kind: "replay", response });
    });
  });
}
