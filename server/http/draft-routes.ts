import { Router, type RequestHandler, type Response } from "express";
import { AddEntryBody, EditEntryBody } from "../../shared/api.js";
import { newEntryId } from "../../shared/ids.js";
import { newId } from "../auth/secrets.js";
import type { AccountStore, Draft } from "../store/accounts.js";
import type { Store } from "../store/store.js";
import { principalOf, requireRole, type Principal } from "./auth.js";
import { ApiError, parseOr400 } from "./errors.js";
import { idempotency } from "./idempotency.js";
import { pathParam, storyIdOf } from "./params.js";
import type { Write } from "./write-routes.js";

/** Drafts: contributors write them, editors publish (one new version) or discard them. */
export function draftRoutes(store: Store, write: Write, body: RequestHandler[]): Router {
  const router = Router();
  const accounts: AccountStore = store.accounts;
  const anyWriter = requireRole("contributor", "editor", "admin");
  const editor = requireRole("editor", "admin");

  const isEditor = (p: Principal) => p.role === "editor" || p.role === "admin";
  /** The draft, if this principal may touch it: editors any, contributors their own. */
  const draftFor = async (res: Response, storyId: string, draftId: string): Promise<Draft> => {
    const principal = principalOf(res)!;
    const draft = await accounts.draft(storyId, draftId);
    if (!draft || (!isEditor(principal) && draft.authorId !== principal.userId)) throw new ApiError(404, "draft_not_found", "No such draft.");
    return draft;
  };
  const storyMustExist = async (storyId: string) => {
    if (!(await store.latest(storyId))) throw new ApiError(404, "story_not_found", `No story "${storyId}".`);
  };

  router.get("/stories/:id/drafts", anyWriter, async (req, res) => {
    const storyId = storyIdOf(req);
    await storyMustExist(storyId);
    const principal = principalOf(res)!;
    res.setHeader("Cache-Control", "no-store");
    res.json({ drafts: await accounts.listDrafts(storyId, isEditor(principal) ? undefined : principal.userId) });
  });

  router.post("/stories/:id/drafts", anyWriter, ...body, async (req, res) => {
    const storyId = storyIdOf(req);
    await storyMustExist(storyId);
    const principal = principalOf(res)!;
    if (!principal.userId) throw new ApiError(403, "forbidden", "Drafts belong to accounts; sign in to write one.");
    const fields = parseOr400(AddEntryBody, req.body, "draft");
    const now = new Date().toISOString();
    const draft: Draft = { id: newId("d_"), storyId, authorId: principal.userId, author: { name: principal.name }, createdAt: now, updatedAt: now, ...fields };
    await accounts.createDraft(draft);
    res.status(201).json({ draft });
  });

  router.patch("/stories/:id/drafts/:draftId", anyWriter, ...body, async (req, res) => {
    const draft = await draftFor(res, storyIdOf(req), pathParam(req, "draftId"));
    const { headline, ...changes } = parseOr400(EditEntryBody, req.body, "draft fields");
    const { headline: _old, ...rest } = draft;
    const next: Draft = { ...rest, ...changes, ...((headline ?? draft.headline) ? { headline: headline ?? draft.headline } : {}), updatedAt: new Date().toISOString() };
    await accounts.updateDraft(next);
    res.json({ draft: next });
  });

  router.delete("/stories/:id/drafts/:draftId", anyWriter, async (req, res) => {
    const draft = await draftFor(res, storyIdOf(req), pathParam(req, "draftId"));
    await accounts.deleteDraft(draft.storyId, draft.id);
    res.status(204).end();
  });

  router.post("/stories/:id/drafts/:draftId/publish", editor, idempotency(store), async (req, res) => {
    const storyId = storyIdOf(req);
    const draft = await draftFor(res, storyId, pathParam(req, "draftId"));
    const entryId = newEntryId();
    const { body, kind, pinned } = draft;
    const operation = { type: "add_entry" as const, entryId, body, kind, pinned, byline: draft.author, ...(draft.headline ? { headline: draft.headline } : {}) };
    await write(req, res, storyId, operation, (c) => ({ status: 201, body: { entry: c.snapshot.entries[entryId], version: c.snapshot.version } }), {
      consumeDraft: draft.id,
    });
  });

  return router;
}
