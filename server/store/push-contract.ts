import { describe, expect, it } from "vitest";
import { withTwoStores, type OpenTwoStores } from "./two-stores.js";
import type { Operation } from "../../shared/operations.js";
import type { ClaimTerms } from "./push-store.js";
import type { Store } from "./store.js";

const T0 = Date.UTC(2026, 5, 1, 12);
const LEASE = 30_000;
const GAP = 60_000;
let clock = 0;
const stamp = (operation: Operation) => ({ ...operation, at: new Date(T0 + ++clock * 1000).toISOString(), author: { name: "Desk" } });
const breaking = (n: number, alert?: boolean): Operation => ({
  type: "add_entry", entryId: `e_b${String(n).padStart(4, "0")}`, body: `Breaking ${n}`, kind: "breaking", pinned: false, ...(alert === undefined ? {} : { alert }),
});
const subscription = (storyId: string, n: number) => ({ storyId, endpoint: `https://push.example/sub/${n}`, p256dh: `key${n}`, auth: `auth${n}` });
const terms = (holder: string, now: number): ClaimTerms => ({ holder, now, leaseMs: LEASE, gapMs: GAP });

/**
 * Web Push state on every Store (issue 33): one key pair for all nodes, subscriptions per story,
 * and an outbox written with the version that each alert belongs to, which nodes drain so that
 * every alert is taken by exactly one of them, resumed after a holder dies, and collapsed into the
 * newest when a story alerts faster than once a gap. `open` gives a fresh store and a second one
 * on the same data (another node, another process).
 */
export function describePushContract(name: string, open: OpenTwoStores) {
  describe(`Web Push state: ${name}`, () => {
    let a: Store;
    let b: Store;

    withTwoStores(
      open,
      (first, second) => ([a, b] = [first, second]),
      async (a) => {
        for (const id of ["s", "t"]) await a.commit({ storyId: id, operation: stamp({ type: "create_story", storyId: id, title: id, summary: "" }) });
      },
    );

    it("keeps the first key pair made, for every node", async () => {
      const first = await a.push.vapidKeys(() => ({ publicKey: "pub-a", privateKey: "priv-a" }));
      const second = await b.push.vapidKeys(() => ({ publicKey: "pub-b", privateKey: "priv-b" }));
      expect(first).toEqual({ publicKey: "pub-a", privateKey: "priv-a" });
      expect(second).toEqual(first);
    });

    it("stores a subscription once per story and endpoint, renews its keys, pages by id, and forgets it", async () => {
      for (let n = 1; n <= 5; n++) await a.push.subscribe(subscription("s", n));
      await a.push.subscribe({ ...subscription("s", 2), p256dh: "renewed" });
      await a.push.subscribe(subscription("t", 1));
      expect(await b.push.subscriberCount("s")).toBe(5);
      expect(await b.push.subscriptionTotal()).toBe(6);
      // Caps reached: a stored subscription's keys are still renewed, a new one is not stored.
      expect(await b.push.subscribe({ ...subscription("s", 3), p256dh: "renewed-3" }, { renewOnly: true })).toBe(true);
      expect(await b.push.subscribe(subscription("s", 99), { renewOnly: true })).toBe(false);
      expect(await b.push.subscriberCount("s")).toBe(5);
      const first = await b.push.subscriptions("s", 0, 3);
      expect(first.map((row) => row.endpoint)).toEqual([1, 2, 3].map((n) => `https://push.example/sub/${n}`));
      expect(first[1]).toMatchObject({ storyId: "s", p256dh: "renewed", auth: "auth2" });
      const rest = await b.push.subscriptions("s", first[2]!.id, 3);
      expect(rest.map((row) => row.endpoint)).toEqual([4, 5].map((n) => `https://push.example/sub/${n}`));

      expect(await b.push.unsubscribe("s", subscription("s", 4).endpoint)).toBe(true);
      expect(await b.push.unsubscribe("s", subscription("s", 4).endpoint)).toBe(false);
      // Gone at the push service: gone for every story it followed.
      await b.push.removeEndpoint(subscription("s", 1).endpoint);
      expect(await a.push.subscriberCount("s")).toBe(3);
      expect(await a.push.subscriberCount("t")).toBe(0);
    });

    it("writes an alert with the breaking entry's version, and none for alert: false or an update", async () => {
      await a.commit({ storyId: "s", operation: stamp(breaking(1)) });
      await a.commit({ storyId: "s", operation: stamp(breaking(2, false)) });
      await a.commit({ storyId: "s", operation: stamp({ ...breaking(3), kind: "update" } as Operation) });
      expect(await b.push.alertOf("s", "e_b0001")).toMatchObject({ storyId: "s", entryId: "e_b0001", version: 2, state: "pending", cursor: 0, sent: 0 });
      expect(await b.push.alertOf("s", "e_b0002")).toBeUndefined();
      expect(await b.push.alertOf("s", "e_b0003")).toBeUndefined();
      expect(await b.push.outboxDepth()).toBe(1);
    });

    it("lets exactly one of two nodes take an alert, even claiming at once", async () => {
      await a.commit({ storyId: "s", operation: stamp(breaking(1)) });
      await a.commit({ storyId: "t", operation: stamp(breaking(2)) });
      const claims = await Promise.all([a, b, a, b].map((store, i) => store.push.claimAlert(terms(`node${i}`, T0))));
      const taken = claims.filter((claim) => claim !== undefined);
      expect(taken.map((claim) => claim.entryId).sort()).toEqual(["e_b0001", "e_b0002"]);
      expect(await a.push.claimAlert(terms("late", T0 + 1000))).toBeUndefined();
    });

    it("resumes an alert from its last recorded page once its holder's lease runs out, and stops the old holder", async () => {
      await a.commit({ storyId: "s", operation: stamp(breaking(1)) });
      const held = (await a.push.claimAlert(terms("first", T0)))!;
      expect(await a.push.recordProgress({ ...held, cursor: 7, sent: 6, failed: 1 }, "first", T0 + LEASE)).toBe(true);
      expect(await b.push.claimAlert(terms("second", T0 + LEASE - 1))).toBeUndefined();
      const resumed = (await b.push.claimAlert(terms("second", T0 + LEASE + 1)))!;
      expect(resumed).toMatchObject({ entryId: "e_b0001", cursor: 7, sent: 6, failed: 1, state: "sending" });
      // The first holder woke up: it may neither record nor finish what it no longer holds.
      expect(await a.push.recordProgress({ ...held, cursor: 9 }, "first", T0 + 2 * LEASE)).toBe(false);
      await a.push.finishAlert({ ...held, state: "done", cursor: 9 }, "first");
      expect(await a.push.alertOf("s", "e_b0001")).toMatchObject({ state: "sending", cursor: 7 });
      await b.push.finishAlert({ ...resumed, state: "done", cursor: 12, sent: 11 }, "second");
      expect(await a.push.alertOf("s", "e_b0001")).toMatchObject({ state: "done", cursor: 12, sent: 11, failed: 1 });
      expect(await a.push.outboxDepth()).toBe(0);
    });

    it("holds a story's next alert for the gap, then sends only the newest of those that came meanwhile", async () => {
      await a.commit({ storyId: "s", operation: stamp(breaking(1)) });
      const first = (await a.push.claimAlert(terms("n", T0)))!;
      await a.push.finishAlert({ ...first, state: "done" }, "n");
      await a.commit({ storyId: "s", operation: stamp(breaking(2)) });
      await a.commit({ storyId: "s", operation: stamp(breaking(3)) });
      await a.commit({ storyId: "t", operation: stamp(breaking(4)) });
      // Another story is not held up by this one's gap.
      const other = (await b.push.claimAlert(terms("n", T0 + 1000)))!;
      expect(other.entryId).toBe("e_b0004");
      await b.push.finishAlert({ ...other, state: "done" }, "n");
      expect(await b.push.claimAlert(terms("n", T0 + GAP - 1))).toBeUndefined();
      expect((await b.push.claimAlert(terms("n", T0 + GAP + 1)))?.entryId).toBe("e_b0003");
      expect(await a.push.alertOf("s", "e_b0002")).toMatchObject({ state: "collapsed" });
    });
  });
}
