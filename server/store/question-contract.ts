import { describe, expect, it } from "vitest";
import { withTwoStores, type OpenTwoStores } from "./two-stores.js";
import { questionFold } from "../../shared/questions.js";
import type { NewQuestion } from "./question-store.js";
import type { Store } from "./store.js";

const T0 = Date.UTC(2026, 5, 1, 12);
const asked = (storyId: string, n: number, text = `Is the metro line ${n} running?`, extra: Partial<NewQuestion> = {}): NewQuestion => ({
  id: `q_${String(n).padStart(12, "0")}`,
  storyId,
  text,
  fold: questionFold(text),
  addressKey: `key${n}`,
  at: T0 + n * 1000,
  ...extra,
});

/**
 * Readers' questions on every Store (issue 36): questions per story with duplicates folded and a
 * cap on what waits, the proof-of-work nonces spent once whichever node sees them, spammers' keys
 * and stories' switches shared by the nodes, and retention. `open` gives a fresh store and a second
 * one on the same data (another node, another process).
 */
export function describeQuestionContract(name: string, open: OpenTwoStores) {
  describe(`readers' questions: ${name}`, () => {
    let a: Store;
    let b: Store;

    withTwoStores(open, (first, second) => ([a, b] = [first, second]));

    it("keeps the first secret made, for every node", async () => {
      expect(await a.questions.secret(() => "first")).toBe("first");
      expect(await b.questions.secret(() => "second")).toBe("first");
    });

    it("stores questions per story, newest first, folds the same question asked again, and never shows the address key", async () => {
      expect(await a.questions.ask(asked("s", 1), 100)).toMatchObject({ kind: "stored", question: { id: "q_000000000001", status: "pending", asks: 1 } });
      await a.questions.ask(asked("s", 2, "Which districts were hit?", { name: "Oksana" }), 100);
      await a.questions.ask(asked("t", 3), 100);
      const again = await b.questions.ask(asked("s", 4, "  is the METRO line 1 running ??"), 100);
      expect(again).toMatchObject({ kind: "folded", question: { id: "q_000000000001", asks: 2 } });
      const list = await b.questions.list("s", 10);
      expect(list.map((q) => [q.id, q.asks])).toEqual([["q_000000000002", 1], ["q_000000000001", 2]]);
      expect(list[0]).toEqual({ id: "q_000000000002", text: "Which districts were hit?", name: "Oksana", at: new Date(T0 + 2000).toISOString(), status: "pending", asks: 1 });
      expect(JSON.stringify(list)).not.toContain("key");
      expect(await b.questions.pendingCount("s")).toBe(2);
      expect((await a.questions.get("s", "q_000000000001"))?.addressKey).toBe("key1");
      expect(await a.questions.get("t", "q_000000000001")).toBeUndefined();
    });

    it("refuses a new question once the cap of pending questions is reached over all stories, but still folds a duplicate", async () => {
      await a.questions.ask(asked("s", 1), 2);
      await a.questions.ask(asked("t", 2), 2);
      expect(await b.questions.ask(asked("s", 3), 2)).toEqual({ kind: "full" });
      expect(await b.questions.ask(asked("s", 4, "is the metro line 1 running"), 2)).toMatchObject({ kind: "folded" });
      await a.questions.moderate("s", "q_000000000001", { status: "dismissed" });
      expect(await b.questions.ask(asked("s", 3), 2)).toMatchObject({ kind: "stored" });
      expect(await b.questions.get("s", "q_000000000003")).toBeDefined();
    });

    it("moderates: dismissed, spam, answered with its entry; an unknown question is undefined", async () => {
      await a.questions.ask(asked("s", 1), 10);
      await a.questions.ask(asked("s", 2, "Are schools open?"), 10);
      expect(await b.questions.moderate("s", "q_000000000001", { status: "answered", entryId: "e_answer1" })).toMatchObject({ status: "answered", entryId: "e_answer1" });
      expect(await b.questions.moderate("s", "q_000000000002", { status: "spam" })).toMatchObject({ status: "spam" });
      expect(await b.questions.moderate("s", "q_000000000009", { status: "dismissed" })).toBeUndefined();
      expect(await a.questions.pendingCount("s")).toBe(0);
    });

    it("spends a proof-of-work nonce once across nodes, even at once", async () => {
      const spends = await Promise.all([a, b, a, b].map((store) => store.questions.spendNonce("nonce-1", T0 + 600_000)));
      expect(spends.filter(Boolean)).toHaveLength(1);
      expect(await b.questions.spendNonce("nonce-2", T0 + 600_000)).toBe(true);
      // Spent with the question it lets in: a replay stores nothing.
      expect(await a.questions.ask(asked("s", 1), 10, { nonce: "nonce-3", expiresAt: T0 + 600_000 })).toMatchObject({ kind: "stored" });
      expect(await b.questions.ask(asked("s", 2, "Another question entirely"), 10, { nonce: "nonce-3", expiresAt: T0 + 600_000 })).toEqual({ kind: "spent" });
      expect(await a.questions.spendNonce("nonce-3", T0 + 600_000)).toBe(false);
      expect((await b.questions.list("s", 10)).map((q) => q.id)).toEqual(["q_000000000001"]);
    });

    it("remembers spammers' keys until their time, and each story's switch", async () => {
      await a.questions.markSpammer("bad", T0 + 1000);
      expect(await b.questions.isSpammer("bad", T0)).toBe(true);
      expect(await b.questions.isSpammer("bad", T0 + 1000)).toBe(false);
      expect(await b.questions.isSpammer("good", T0)).toBe(false);
      expect(await b.questions.isOpen("s")).toBe(true);
      await a.questions.setOpen("s", false);
      await a.questions.setOpen("s", false);
      expect(await b.questions.isOpen("s")).toBe(false);
      expect(await b.questions.isOpen("t")).toBe(true);
      await b.questions.setOpen("s", true);
      expect(await a.questions.isOpen("s")).toBe(true);
    });

    it("deletes questions past their retention, and nonces and spammers' keys past their time", async () => {
      await a.questions.ask(asked("s", 1), 10);
      await a.questions.ask(asked("s", 5), 10);
      await a.questions.spendNonce("old", T0);
      await a.questions.spendNonce("new", T0 + 10_000);
      await a.questions.markSpammer("bad", T0);
      expect(await b.questions.prune(T0 + 3000, T0 + 1)).toBe(1);
      expect((await a.questions.list("s", 10)).map((q) => q.id)).toEqual(["q_000000000005"]);
      // An expired nonce is gone (its challenge can no longer be verified anyway); a live one stays spent.
      expect(await a.questions.spendNonce("old", T0 + 600_000)).toBe(true);
      expect(await a.questions.spendNonce("new", T0 + 10_000)).toBe(false);
      expect(await a.questions.isSpammer("bad", 0)).toBe(false);
    });
  });
}
