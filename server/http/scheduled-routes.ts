import { Router, type Request, type RequestHandler, type Response } from "express";
import { EditScheduledBody } from "../../shared/api.js";
import { newEntryId } from "../../shared/ids.js";
import type { MediaItem } from "../../shared/media.js";
import { judgePublishAt, type ScheduledEntry } from "../../shared/schedule.js";
import type { Author, EntryKind } from "../../shared/story.js";
import { newId } from "../auth/secrets.js";
import type { MediaResolver } from "../media/resolve-media.js";
import type { ScheduledPublisher } from "../scheduled-publisher.js";
import { ScheduledChanged, ScheduledGone } from "../store/scheduled-store.js";
import type { DraftToConsume, Store, StoredResponse } from "../store/store.js";
import { principalOf, requireRole } from "./auth.js";
import { ApiError, parseOr400 } from "./errors.js";
import { idempotency, sendStored } from "./idempotency.js";
import { ticketOf } from "./idempotency-ticket.js";
import { expectedScheduledRevisionOf, pathParam, storyIdOf } from "./params.js";

/** Waiting entries a story may hold at once: a bound on what one account can pile up. */
export const MAX_SCHEDULED_PER_STORY = 200;

const SCHEDULED_ID = /^s_[A-Za-z0-9_-]{1,32}$/;

/** The entry's text as it will be published. */
export interface ScheduledFields {
  body: string;
  headline?: string;
  kind: EntryKind;
  pinned: boolean;
  media?: MediaItem[];
  alert?: boolean;
}

/** `publishAt` judged against this server's clock: the normalised time, or a 400 naming the field. */
export function publishAtOr400(value: unknown): string {
  const judged = judgePublishAt(value, Date.now());
  if (!judged.ok) throw new ApiError(400, "validation_failed", judged.message, { issues: [{ path: "publishAt", message: judged.message }] });
  return judged.publishAt;
}

/**
 * An answer to a reader's question is published now: a scheduled entry carries no question, and
 * the reader asked about the story as it is, not as it will be.
 */
export const answerNotScheduled = () =>
  new ApiError(400, "validation_failed", "An answer to a reader's question is published now, not scheduled.", { issues: [{ path: "question", message: "cannot be scheduled" }] });

export type Schedule = (
  req: Request,
  res: Response,
  storyId: string,
  publishAt: string,
  fields: ScheduledFields,
  from?: { draftId: string; byline: Author; consumeDraft: DraftToConsume },
) => Promise<ScheduledEntry>;

/**
 * Stores an entry to be published at `publishAt` and answers 202 `{scheduled}`; the claimed
 * Idempotency-Key is completed in the store's transaction, so a retry gets this answer and no
 * second entry. Wakes this node's publisher, in case the time is sooner than its next look.
 */
export function scheduler(store: Store, publisher: ScheduledPublisher): Schedule {
  return async (req, res, storyId, publishAt, fields, from) => {
    if (!(await store.latest(storyId))) throw new ApiError(404, "story_not_found", `No story "${storyId}".`);
    if ((await store.scheduled.list(storyId)).length >= MAX_SCHEDULED_PER_STORY) {
      throw new ApiError(409, "too_many_scheduled", `This story has ${MAX_SCHEDULED_PER_STORY} scheduled entries waiting, its limit; publish or cancel one first.`);
    }
    const now = new Date().toISOString();
    const item: ScheduledEntry = {
      id: newId("s_"),
      storyId,
      entryId: newEntryId(),
      publishAt,
      revision: 1,
      createdAt: now,
      updatedAt: now,
      createdBy: { name: principalOf(res)!.name },
      ...(from ? { byline: from.byline, draftId: from.draftId } : {}),
      ...fields,
    };
    const ticket = ticketOf(res);
    const respond = (stored: ScheduledEntry) => ({ status: 202, body: { scheduled: stored }, location: `/api/stories/${storyId}/scheduled/${stored.id}` });
    const added = await store.scheduled.add(item, {
      ...(from ? { consumeDraft: from.consumeDraft } : {}),
      ...(ticket ? { idempotency: { ...ticket, respond } } : {}),
    });
    sendStored(res, added.response ?? respond(added.item));
    publisher.wake();
    return added.item;
  };
}

/** A scheduled entry that can no longer change: 409 saying as which version it was published, else 404. */
function goneError(error: ScheduledGone): ApiError {
  const published = error.item?.published;
  if (!published) return new ApiError(404, "scheduled_not_found", "No such scheduled entry (it may have been cancelled).");
  return new ApiError(409, "scheduled_published", `This entry was already published, at version ${published.version}.`, {
    entryId: error.item!.entryId,
    ...published,
  });
}

async function onScheduled<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ScheduledGone) throw goneError(error);
    if (error instanceof ScheduledChanged) {
      throw new ApiError(412, "precondition_failed", `The scheduled entry has changed: it is now at revision ${error.currentRevision}.`, {
        currentRevision: error.currentRevision,
      });
    }
    throw error;
  }
}

function sendScheduled(res: Response, item: ScheduledEntry): void {
  res.setHeader("ETag", `"${item.revision}"`);
  res.setHeader("Cache-Control", "no-store");
  res.json({ scheduled: item });
}

/**
 * The queue of a story's scheduled entries, for editors: list, change (time or text) and cancel.
 * A change or cancel racing the publish either wins in the store or is told 409 (published).
 */
export function scheduledRoutes(store: Store, publisher: ScheduledPublisher, json: RequestHandler[], mediaResolver: MediaResolver): Router {
  const router = Router();
  const editor = requireRole("editor", "admin");
  const idOf = (req: Request) => {
    const id = pathParam(req, "scheduledId");
    if (!SCHEDULED_ID.test(id)) throw new ApiError(404, "scheduled_not_found", "No such scheduled entry.");
    return id;
  };

  router.get("/stories/:id/scheduled", editor, async (req, res) => {
    const storyId = storyIdOf(req);
    if (!(await store.latest(storyId))) throw new ApiError(404, "story_not_found", `No story "${storyId}".`);
    res.setHeader("Cache-Control", "no-store");
    res.json({ scheduled: await store.scheduled.list(storyId) });
  });

  router.patch("/stories/:id/scheduled/:scheduledId", editor, ...json, idempotency(store), async (req, res) => {
    const storyId = storyIdOf(req);
    const id = idOf(req);
    const expectedRevision = expectedScheduledRevisionOf(req);
    const { publishAt, media: mediaInput, ...fields } = parseOr400(EditScheduledBody, req.body, "scheduled entry");
    const changes = {
      ...fields,
      ...(publishAt === undefined ? {} : { publishAt: publishAtOr400(publishAt) }),
      ...(mediaInput === undefined ? {} : { media: (await mediaResolver.resolve(mediaInput))! }),
    };
    const edited = await onScheduled(() =>
      store.scheduled.edit(storyId, id, { changes, at: new Date().toISOString(), ...(expectedRevision === undefined ? {} : { expectedRevision }) }, keyOf(res)),
    );
    sendScheduled(res, edited);
    publisher.wake();
  });

  router.delete("/stories/:id/scheduled/:scheduledId", editor, idempotency(store), async (req, res) => {
    const storyId = storyIdOf(req);
    const id = idOf(req);
    const expectedRevision = expectedScheduledRevisionOf(req);
    const cancelled = await onScheduled(() => store.scheduled.cancel(storyId, id, expectedRevision, keyOf(res)));
    sendScheduled(res, cancelled);
  });

  return router;
}

/** The claimed Idempotency-Key, for the store to complete with the edit's or cancellation's answer in its transaction. */
function keyOf(res: Response): { idempotency?: { scope: string; key: string; respond: (item: ScheduledEntry) => StoredResponse } } {
  const ticket = ticketOf(res);
  return ticket ? { idempotency: { ...ticket, respond: (item) => ({ status: 200, body: { scheduled: item } }) } } : {};
}
