import { describe, expect, it } from "vitest";
import { withTwoStores, type OpenTwoStores } from "./two-stores.js";
import type { Operation } from "../../shared/operations.js";
import { expectGone } from "./accounts-contract.js";
import { DraftChanged, type Draft } from "./accounts.js";
import type { Store } from "./store.js";
import type { NewQuestion } from "./question-store.js";
import { answeredQuestion, questionFold } from "../../shared/questions.js";

const author = { name: "Olena" };
let clock = 0;
const stamp = (op: Operation) => ({ ...op, at: new Date(Date.UTC(2026, 0, 1) + ++clock * 1000).toISOString(), author });
const ROUNDS = 8;

const draftOf = (n: number): Draft => ({
  id: `d_${n}`,
  storyId: "s",
  authorId: "u_1",
  author: { name: "wren" },
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  body: `Draft ${n}`,
  kind: "update",
  pinned: false,
  revision: 1,
});
/** What the publish route commits for a draft: its text at the revision it read, as a new entry. */
const publishOf = (draft: Draft, n: number) => ({
  storyId: draft.storyId,
  operation: stamp({ type: "add_entry", entryId: `e_d${String(n).padStart(4, "0")}`, body: draft.body, kind: draft.kind, pinned: draft.pinned, byline: draft.author }),
  consumeDraft: { id: draft.id, revision: draft.revision },
});

const QUESTION = "q_000000000001";
const asked = (n: number): NewQuestion => ({
  id: `q_${String(n).padStart(12, "0")}`,
  storyId: "s",
  text: "Is the metro running?",
  ...(n === 1 ? { name: "Oksana" } : {}),
  fold: questionFold("Is the metro running?"),
  addressKey: `key${n}`,
  at: Date.UTC(2026, 0, 1),
});
/** What the publish route commits for a draft answering a reader's question: the quote in the entry, the question marked with it. */
const answerOf = (draft: Draft, n: number) => {
  const publish = publishOf(draft, n);
  return { ...publish, operation: { ...publish.operation, question: answeredQuestion(draft.question!) }, answersQuestion: draft.question!.id };
};

/**
 * Publishing a draft against editing it, on every Store: both act on the draft in one transaction
 * with its revision, so exactly one of them wins and the other is told, whichever comes first and
 * on whichever connection. `open` gives a fresh store and a second one on the same data (another
 * connection, as another process or node would have).
 */
export function describeDraftPublishContract(name: string, open: OpenTwoStores) {
  describe(`Draft publishing: ${name}`, () => {
    let a: Store;
    let b: Store;

    withTwoStores(
      open,
      (first, second) => ([a, b] = [first, second]),
      async (a) => {
        await a.commit({ storyId: "s", operation: stamp({ type: "create_story", storyId: "s", title: "Drafts", summary: "" }) });
      },
    );

    it("publishes the revision it read, records who published it, and then refuses it to everyone", async () => {
      await a.accounts.createDraft(draftOf(1));
      const committed = await a.commit(publishOf(draftOf(1), 1));
      expect(committed.snapshot.entries.e_d0001).toMatchObject({ body: "Draft 1", author: { name: "wren" } });
      const closed = { id: "d_1", storyId: "s", authorId: "u_1", outcome: "published", by: author, at: expect.any(String), entryId: "e_d0001" };
      expect(await b.accounts.closedDraft("s", "d_1")).toEqual(closed);
      expect(await b.accounts.draft("s", "d_1")).toBeUndefined();
      await expectGone(b.commit(publishOf(draftOf(1), 2)), closed);
      await expectGone(b.accounts.editDraft("s", "d_1", { changes: { body: "After the fact" }, at: "2026-02-01T00:00:00.000Z" }), closed);
      await expectGone(b.accounts.discardDraft("s", "d_1", { by: { name: "ed" }, at: "2026-02-01T00:00:00.000Z" }), closed);
      expect((await b.latest("s"))!.version).toBe(2);
    });

    it("refuses to publish text an edit has replaced, and keeps the edit", async () => {
      await a.accounts.createDraft(draftOf(1));
      const edited = await b.accounts.editDraft("s", "d_1", { changes: { body: "Corrected" }, at: "2026-02-01T00:00:00.000Z" });
      const error = await a.commit(publishOf(draftOf(1), 1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DraftChanged);
      expect((error as DraftChanged).currentRevision).toBe(2);
      expect((await a.latest("s"))!.version).toBe(1);
      expect(await a.accounts.draft("s", "d_1")).toEqual(edited);
      expect(await a.accounts.closedDraft("s", "d_1")).toBeUndefined();
      // Publishing the revision the store has now works, with its text.
      expect((await a.commit(publishOf(edited, 1))).snapshot.entries.e_d0001!.body).toBe("Corrected");
    });

    it("lets exactly one of a publish and an edit at the same moment win, and loses neither silently", async () => {
      for (let n = 1; n <= ROUNDS; n++) {
        const draft = draftOf(n);
        await a.accounts.createDraft(draft);
        const version = (await a.latest("s"))!.version;
        // Odd rounds edit on the condition of revision 1, even rounds unconditionally.
        const edit = { changes: { body: `Edited ${n}` }, at: "2026-02-01T00:00:00.000Z", ...(n % 2 ? { expectedRevision: 1 } : {}) };
        const publish = () => a.commit(publishOf(draft, n));
        const editIt = () => b.accounts.editDraft("s", draft.id, edit);
        // Started in both orders (an in-process SQLite connection runs a transaction as soon as it is called).
        const [published, edited] = n % 4 < 2 ? await Promise.allSettled([publish(), editIt()]) : ([...(await Promise.allSettled([editIt(), publish()]))].reverse() as [PromiseSettledResult<unknown>, PromiseSettledResult<unknown>]);
        const latest = (await b.latest("s"))!;
        const entry = Object.values(latest.entries).find((e) => e.body.endsWith(` ${n}`));
        if (published.status === "fulfilled") {
          expect(edited.status, `round ${n}: both won`).toBe("rejected");
          await expectGone(Promise.reject((edited as PromiseRejectedResult).reason), expect.objectContaining({ outcome: "published" }));
          expect(latest.version).toBe(version + 1);
          expect(entry?.body).toBe(`Draft ${n}`); // exactly the text that was accepted
          expect(await b.accounts.draft("s", draft.id)).toBeUndefined();
        } else {
          expect(edited.status, `round ${n}: neither won`).toBe("fulfilled");
          expect(published.reason).toBeInstanceOf(DraftChanged);
          expect(latest.version).toBe(version);
          expect(entry).toBeUndefined();
          expect(await b.accounts.draft("s", draft.id)).toMatchObject({ body: `Edited ${n}`, revision: 2 });
        }
      }
    });

    it("keeps the reader's question a draft answers through edits, and marks it answered by the entry in the publish's transaction", async () => {
      await b.questions.ask(asked(1), 100);
      const draft: Draft = { ...draftOf(1), question: { id: QUESTION, text: "Is the metro running?", name: "Oksana" } };
      await a.accounts.createDraft(draft);
      expect(await b.accounts.draft("s", "d_1")).toEqual(draft);
      const edited = await b.accounts.editDraft("s", "d_1", { changes: { body: "The metro runs." }, at: "2026-02-01T00:00:00.000Z" });
      expect(edited.question).toEqual(draft.question);
      expect((await a.accounts.listDrafts("s"))[0]!.question).toEqual(draft.question);
      // A publish the draft's edit refused marks nothing.
      await expect(a.commit(answerOf(draft, 1))).rejects.toBeInstanceOf(DraftChanged);
      expect((await b.questions.get("s", QUESTION))!.status).toBe("pending");
      const committed = await a.commit(answerOf(edited, 1));
      expect(committed.snapshot.entries.e_d0001!.question).toEqual({ text: "Is the metro running?", name: "Oksana" });
      expect(committed.answered).toEqual({ id: QUESTION, text: "Is the metro running?", name: "Oksana", at: expect.any(String), status: "answered", asks: 1, entryId: "e_d0001" });
      expect(await b.questions.get("s", QUESTION)).toMatchObject({ status: "answered", entryId: "e_d0001" });
      expect(await b.questions.pendingCount("s")).toBe(0);
    });

    it("publishes an answer to a question answered meanwhile (or deleted), and leaves the question with its first answer", async () => {
      await b.questions.ask(asked(1), 100);
      const answering = (n: number): Draft => ({ ...draftOf(n), question: { id: QUESTION, text: "Is the metro running?" } });
      await a.accounts.createDraft(answering(1));
      await a.accounts.createDraft(answering(2));
      expect((await a.commit(answerOf(answering(1), 1))).answered?.entryId).toBe("e_d0001");
      const second = await b.commit(answerOf(answering(2), 2));
      expect(second.answered).toBeUndefined();
      expect(second.snapshot.entries.e_d0002!.question).toEqual({ text: "Is the metro running?" });
      expect(await a.questions.get("s", QUESTION)).toMatchObject({ status: "answered", entryId: "e_d0001" });
      // A question pruned away (retention) is no reason to refuse the answer either.
      await a.accounts.createDraft(answering(3));
      await a.questions.prune(Date.UTC(2100, 0, 1), Date.UTC(2100, 0, 1));
      const third = await a.commit(answerOf(answering(3), 3));
      expect(third.answered).toBeUndefined();
      expect(third.snapshot.version).toBe(4);
    });

    it("marks a question of another story never", async () => {
      await b.questions.ask({ ...asked(1), storyId: "other" }, 100);
      const draft: Draft = { ...draftOf(1), question: { id: QUESTION, text: "Is the metro running?" } };
      await a.accounts.createDraft(draft);
      expect((await a.commit(answerOf(draft, 1))).answered).toBeUndefined();
      expect((await a.questions.get("other", QUESTION))!.status).toBe("pending");
    });

    it("publishes a draft once when two connections publish it at the same moment", async () => {
      for (let n = 1; n <= ROUNDS; n++) {
        const draft = draftOf(n);
        await a.accounts.createDraft(draft);
        const version = (await a.latest("s"))!.version;
        const results = await Promise.allSettled([a.commit(publishOf(draft, 2 * n)), b.commit(publishOf(draft, 2 * n + 1))]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
        await expectGone(Promise.reject(loser.reason), expect.objectContaining({ outcome: "published" }));
        const latest = (await a.latest("s"))!;
        expect(latest.version).toBe(version + 1);
        expect(Object.values(latest.entries).filter((e) => e.body === `Draft ${n}`)).toHaveLength(1);
      }
    });
  });
}
