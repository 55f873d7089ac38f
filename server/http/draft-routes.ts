import { Router, type RequestHandler, type Response } from "express";
import { EditEntryBody, NewDraftBody, PublishDraftBody } from "../../shared/api.js";
import { maySeeDraft, reviewsDrafts } from "../../shared/accounts.js";
import { newEntryId } from "../../shared/ids.js";
import { answeredQuestion } from "../../shared/questions.js";
import { newId } from "../auth/secrets.js";
import { DraftChanged, DraftGone, type AccountStore, type ClosedDraft, type Draft } from "../store/accounts.js";
import type { MediaResolver } from "../media/resolve-media.js";
import type { DraftNews } from "../live/desk/desk-channel.js";
import type { ReaderQuestions } from "../questions/reader-questions.js";
import type { Store } from "../store/store.js";
import { principalOf, requireRole, type Principal } from "./auth.js";
import { ApiError, parseOr400 } from "./errors.js";
import { idempotency } from "./idempotency.js";
import { expectedRevisionOf, pathParam, storyIdOf } from "./params.js";
import { optionalJson, type Write } from "./write-routes.js";
import { answerNotScheduled, publishAtOr400, type Schedule } from "./scheduled-routes.js";

/** Editors may touch any draft, contributors their own; to anyone else a draft does not exist. */
const mayTouch = (p: Principal, authorId: string) => maySeeDraft(p, authorId);

const notFound = () => new ApiError(404, "draft_not_found", "No such draft.");

/** A draft that is no longer open: who published or discarded it and when, to those who may know; else 404. */
function goneError(principal: Principal, closed: ClosedDraft | undefined): ApiError {
  if (!closed || !mayTouch(principal, closed.authorId)) return notFound();
  const details = { by: closed.by, at: closed.at, ...(closed.entryId ? { entryId: closed.entryId } : {}) };
  return closed.outcome === "published"
    ? new ApiError(409, "draft_published", `This draft was already published by ${closed.by.name}.`, details)
    : new ApiError(409, "draft_discarded", `This draft was discarded by ${closed.by.name}.`, details);
}

/** The draft moved on from the revision the request was based on: 412 for a stale If-Match, else 409. */
function changedError(currentRevision: number, conditional: boolean): ApiError {
  return conditional
    ? new ApiError(412, "precondition_failed", `The draft has changed: it is now at revision ${currentRevision}. Reload it to see the changes.`, { currentRevision })
    : new ApiError(409, "draft_changed", `The draft was edited while you acted on it (now revision ${currentRevision}). Reload it to see the changes.`, {
        currentRevision,
      });
}

/** Runs a store call on one draft, turning DraftGone and DraftChanged into the API's answers. */
async function onDraft<T>(res: Response, conditional: boolean, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DraftGone) throw goneError(principalOf(res)!, error.closed);
    if (error instanceof DraftChanged) throw changedError(error.currentRevision, conditional);
    throw error;
  }
}

/** One draft as an answer, its revision as the ETag (what `If-Match` sends back). */
function sendDraft(res: Response, status: number, draft: Draft): void {
  res.setHeader("ETag", `"${draft.revision}"`);
  res.setHeader("Cache-Control", "no-store");
  res.status(status).json({ draft });
}

/**
 * Drafts: contributors write them, editors publish (one new version) or discard them. Every draft
 * carries a revision; edits, discards and publishes accept `If-Match: "<revision>"`, and whatever
 * acts on a draft that is no longer there is told so (404, or 409 with who published or discarded it).
 * Every change is told to the desk's live channel (`news`) once the store has committed it.
 */
/** How long a draft's outcome is listed to its author. */
const OUTCOMES_KEPT_MS = 24 * 3600_000;

export function draftRoutes(
  store: Store,
  write: Write,
  body: RequestHandler[],
  news: DraftNews,
  schedule: Schedule,
  mediaResolver: MediaResolver,
  questions: Pick<ReaderQuestions, "toAnswer" | "answered">,
): Router {
  const router = Router();
  const accounts: AccountStore = store.accounts;
  const anyWriter = requireRole("contributor", "editor", "admin");
  const editor = requireRole("editor", "admin");

  /** The open draft, if this principal may touch it; else 404, or 409 saying what became of it. */
  const draftFor = async (res: Response, storyId: string, draftId: string): Promise<Draft> => {
    const principal = principalOf(res)!;
    const draft = await accounts.draft(storyId, draftId);
    if (draft) {
      if (!mayTouch(principal, draft.authorId)) throw notFound();
      return draft;
    }
    throw goneError(principal, await accounts.closedDraft(storyId, draftId));
  };
  const storyMustExist = async (storyId: string) => {
    if (!(await store.latest(storyId))) throw new ApiError(404, "story_not_found", `No story "${storyId}".`);
  };
  const expected = (revision: number | undefined) => (revision === undefined ? {} : { expectedRevision: revision });

  router.get("/stories/:id/drafts", anyWriter, async (req, res) => {
    const storyId = storyIdOf(req);
    await storyMustExist(storyId);
    const principal = principalOf(res)!;
    res.setHeader("Cache-Control", "no-store");
    res.json({ drafts: await accounts.listDrafts(storyId, reviewsDrafts(principal.role) ? undefined : principal.userId) });
  });

  // What became of one's own drafts in the last day (published by whom, when, which entry; or
  // discarded), so that a contributor who reloads still learns it: the live channel only tells
  // the desks that were open at the time.
  router.get("/stories/:id/drafts/outcomes", anyWriter, async (req, res) => {
    const storyId = storyIdOf(req);
    await storyMustExist(storyId);
    const principal = principalOf(res)!;
    const since = new Date(Date.now() - OUTCOMES_KEPT_MS).toISOString();
    res.setHeader("Cache-Control", "no-store");
    res.json({ outcomes: principal.userId ? await accounts.closedDraftsOf(storyId, principal.userId, since) : [] });
  });

  router.post("/stories/:id/drafts", anyWriter, ...body, async (req, res) => {
    const storyId = storyIdOf(req);
    await storyMustExist(storyId);
    const principal = principalOf(res)!;
    if (!principal.userId) throw new ApiError(403, "forbidden", "Drafts belong to accounts; sign in to write one.");
    const { media: mediaInput, question: answers, ...fields } = parseOr400(NewDraftBody, req.body, "draft");
    // Checked as an answer published now would be; the quote is taken now, and the question stays
    // pending until an editor publishes the draft.
    const question = answers && { id: answers.id, ...(await questions.toAnswer(storyId, answers.id)) };
    const media = await mediaResolver.resolve(mediaInput);
    const now = new Date().toISOString();
    const draft: Draft = {
      id: newId("d_"),
      storyId,
      authorId: principal.userId,
      author: { name: principal.name },
      ...(principal.login ? { authorLogin: principal.login } : {}),
      createdAt: now,
      updatedAt: now,
      ...fields,
      ...(media?.length ? { media } : {}),
      ...(question ? { question } : {}),
      revision: 1,
    };
    await accounts.createDraft(draft);
    sendDraft(res, 201, draft);
    news.changed(draft);
  });

  router.patch("/stories/:id/drafts/:draftId", anyWriter, ...body, async (req, res) => {
    const storyId = storyIdOf(req);
    const revision = expectedRevisionOf(req);
    const { id } = await draftFor(res, storyId, pathParam(req, "draftId"));
    const { media: mediaInput, ...fields } = parseOr400(EditEntryBody, req.body, "draft fields");
    const media = await mediaResolver.resolve(mediaInput);
    const changes = { ...fields, ...(media ? { media } : {}) };
    // Read, merged and written in one store transaction: a concurrent edit or publish is never overwritten.
    const edited = await onDraft(res, true, () => accounts.editDraft(storyId, id, { changes, at: new Date().toISOString(), ...expected(revision) }));
    sendDraft(res, 200, edited);
    news.changed(edited);
  });

  router.delete("/stories/:id/drafts/:draftId", anyWriter, async (req, res) => {
    const storyId = storyIdOf(req);
    const revision = expectedRevisionOf(req);
    const { id, authorId } = await draftFor(res, storyId, pathParam(req, "draftId"));
    const discarded = { by: { name: principalOf(res)!.name }, at: new Date().toISOString() };
    await onDraft(res, true, () => accounts.discardDraft(storyId, id, { ...discarded, ...expected(revision) }));
    res.status(204).end();
    news.closed({ id, storyId, authorId, outcome: "discarded", ...discarded });
  });

  // With `{publishAt}` the draft is scheduled instead (202 {scheduled}): taken in the same transaction.
  router.post("/stories/:id/drafts/:draftId/publish", editor, ...optionalJson(body), idempotency(store), async (req, res) => {
    const storyId = storyIdOf(req);
    const revision = expectedRevisionOf(req);
    const { publishAt, alert } = parseOr400(PublishDraftBody, req.body ?? {}, "publish request");
    const alertChoice = alert === false ? { alert: false } : {};
    const at = publishAt === undefined ? undefined : publishAtOr400(publishAt);
    const draft = await draftFor(res, storyId, pathParam(req, "draftId"));
    if (revision !== undefined && draft.revision !== revision) throw changedError(draft.revision, true);
    if (at !== undefined) {
      if (draft.question) throw answerNotScheduled();
      const fields = { body: draft.body, kind: draft.kind, pinned: draft.pinned, ...(draft.headline ? { headline: draft.headline } : {}), ...(draft.media?.length ? { media: draft.media } : {}), ...alertChoice };
      const from = { draftId: draft.id, byline: draft.author, consumeDraft: { id: draft.id, revision: draft.revision } };
      await onDraft(res, revision !== undefined, () => schedule(req, res, storyId, at, fields, from));
      const closed = await accounts.closedDraft(storyId, draft.id);
      if (closed) news.closed(closed);
      return;
    }
    const entryId = newEntryId();
    const { body: text, kind, pinned } = draft;
    const operation = {
      type: "add_entry" as const,
      entryId,
      body: text,
      kind,
      pinned,
      byline: draft.author,
      ...(draft.headline ? { headline: draft.headline } : {}),
      ...(draft.media?.length ? { media: draft.media } : {}),
      ...(draft.question ? { question: answeredQuestion(draft.question) } : {}),
      ...alertChoice,
    };
    // The store publishes only if the draft is still at the revision this text came from; an edit
    // that got in between is a 412 (with If-Match) or a 409 draft_changed, never silently dropped.
    // The question is marked answered in the same transaction. One answered meanwhile by another
    // entry stays answered by that one, and this answer still goes out with its quote.
    const committed = await onDraft(res, revision !== undefined, () =>
      write(req, res, storyId, operation, (c) => ({ status: 201, body: { entry: c.snapshot.entries[entryId], version: c.snapshot.version } }), {
        consumeDraft: { id: draft.id, revision: draft.revision },
        ...(draft.question ? { answersQuestion: draft.question.id } : {}),
      }),
    );
    // As the store recorded it (who, when, which entry): the one account of what became of it.
    const closed = await accounts.closedDraft(storyId, draft.id);
    if (closed) news.closed(closed);
    await questions.answered(storyId, committed.answered);
  });

  return router;
}
