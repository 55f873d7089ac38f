import express, { Router, type Request, type RequestHandler, type Response } from "express";
import { AddEntriesBody, CreateStoryBody, EditEntryBody, NewEntryBody, PutFactBody, UpdateStoryBody } from "../../shared/api.js";
import { newEntryId } from "../../shared/ids.js";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../shared/json-depth.js";
import type { NewEntry, Operation } from "../../shared/operations.js";
import { EMBED_DESCRIBE_BUDGET_MS, type MediaResolver } from "../media/resolve-media.js";
import type { Committed, DraftToConsume, Store, StoredResponse } from "../store/store.js";
import type { ReaderQuestions } from "../questions/reader-questions.js";
import type { StoryService } from "../story-service.js";
import { principalOf, requireRole } from "./auth.js";
import { ApiError, parseOr400 } from "./errors.js";
import { idempotency, sendStored } from "./idempotency.js";
import { ticketOf } from "./idempotency-ticket.js";
import { entryIdOf, expectedVersionOf, factIdOf, storyIdOf } from "./params.js";
import { answerNotScheduled, publishAtOr400, type Schedule } from "./scheduled-routes.js";

// Judged on the header alone: Express's req.is() says "no" for an empty body, which is a 400, not a 415.
const requireJson: RequestHandler = (req, _res, next) => {
  if (!/^application\/json\s*(;|$)/i.test(req.get("content-type") ?? "")) {
    throw new ApiError(415, "unsupported_media_type", "Send the body as Content-Type: application/json.");
  }
  next();
};

// Before anything walks the body (the Idempotency-Key's canonical JSON, the validators).
const limitDepth: RequestHandler = (req, _res, next) => {
  if (nestsDeeperThan(req.body)) throw new ApiError(400, "invalid_json", `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`);
  next();
};

/**
 * A JSON request body as the API takes it: declared as JSON (else 415), strict (objects and
 * arrays only), at most `limitBytes` (MAX_JSON_BODY_BYTES; else 413, read no further) and at most
 * MAX_JSON_DEPTH levels deep (else 400).
 */
export const jsonRequest = (limitBytes: number): RequestHandler[] => [requireJson, express.json({ limit: limitBytes, strict: true }), limitDepth];

/** A JSON body where one may be sent but need not be (a draft's publish): judged as `jsonRequest` when present. */
export const optionalJson = (json: RequestHandler[]): RequestHandler[] =>
  json.map((handler): RequestHandler => (req, res, next) => {
    const hasBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
    return hasBody ? handler(req, res, next) : next();
  });

export type Write = (
  req: Request,
  res: Response,
  storyId: string,
  operation: Operation,
  respond: (c: Committed) => StoredResponse,
  extra?: { consumeDraft?: DraftToConsume; author?: { name: string }; answersQuestion?: string },
) => Promise<Committed>;

/**
 * The write path of a route: commits through the service with the principal as author, If-Match
 * and the claimed Idempotency-Key, then answers with `respond`; a no-op answers the same way
 * without a new version. Resolves to the commit, for what the route tells others after it.
 */
export function committer(service: StoryService): Write {
  return async (req, res, storyId, operation, respond, extra = {}) => {
    const ticket = ticketOf(res);
    const committed = await service.apply(storyId, operation, {
      author: extra.author ?? { name: principalOf(res)!.name },
      // A publish's If-Match names the draft's revision (judged by the draft routes), not the story's version.
      ...(extra.consumeDraft ? {} : optionalExpectedVersion(req)),
      ...(ticket ? { idempotency: { ...ticket, respond } } : {}),
      ...(extra.consumeDraft ? { consumeDraft: extra.consumeDraft } : {}),
      ...(extra.answersQuestion ? { answersQuestion: extra.answersQuestion } : {}),
    });
    // With a ticket the store completed it in the commit's transaction (server/store/commit-rules.ts).
    sendStored(res, committed.response ?? respond(committed));
    return committed;
  };
}

/**
 * How far ahead of this server's clock an imported entry's `createdAt` may be: the sending
 * system's clock may run a little fast, and its "now" is not a time to come.
 */
export const CLOCK_SKEW_MS = 60_000;

/**
 * Editor routes of DESIGN.md §3: authenticated, validated, idempotent, conditional on If-Match.
 * `batchJson` reads the body of `POST …/entries/batch` (up to MAX_BATCH_BODY_BYTES: 500 entries
 * do not fit in the single entry's MAX_JSON_BODY_BYTES).
 */
export function writeRoutes(
  store: Store,
  service: StoryService,
  json: RequestHandler[],
  schedule: Schedule,
  batchJson: RequestHandler[],
  mediaResolver: MediaResolver,
  questions: Pick<ReaderQuestions, "toAnswer" | "answered">,
): Router {
  const router = Router();
  const auth = requireRole("editor", "admin");
  const withBody: RequestHandler[] = [auth, ...json, idempotency(store)];
  const withoutBody: RequestHandler[] = [auth, idempotency(store)];

  const write = committer(service);

  router.post("/stories", ...withBody, async (req, res) => {
    const body = parseOr400(CreateStoryBody, req.body, "story");
    const ticket = ticketOf(res);
    const respond = (c: Committed): StoredResponse => ({ status: 201, body: c.snapshot, location: `/api/stories/${c.snapshot.id}` });
    const committed = await service.createStory(body, {
      author: { name: principalOf(res)!.name },
      ...(ticket ? { idempotency: { ...ticket, respond } } : {}),
    });
    sendStored(res, committed.response ?? respond(committed));
  });

  router.patch("/stories/:id", ...withBody, async (req, res) => {
    const storyId = storyIdOf(req);
    const body = parseOr400(UpdateStoryBody, req.body, "story fields");
    await write(req, res, storyId, { type: "update_story", ...body }, (c) => ({ status: 200, body: { version: c.snapshot.version } }));
  });

  router.post("/stories/:id/entries", ...withBody, async (req, res) => {
    const storyId = storyIdOf(req);
    const { media: mediaInput, publishAt, question: answers, ...body } = parseOr400(NewEntryBody, req.body, "entry");
    const at = publishAt === undefined ? undefined : publishAtOr400(publishAt);
    if (at !== undefined && answers) throw answerNotScheduled();
    const media = await mediaResolver.resolve(mediaInput);
    if (at !== undefined) return void (await schedule(req, res, storyId, at, { ...body, ...(media?.length ? { media } : {}) }));
    const entryId = newEntryId();
    const question = answers && (await questions.toAnswer(storyId, answers.id));
    const committed = await write(
      req,
      res,
      storyId,
      { type: "add_entry", entryId, ...body, ...(media?.length ? { media } : {}), ...(question ? { question } : {}) },
      (c) => ({ status: 201, body: { entry: c.snapshot.entries[entryId], version: c.snapshot.version } }),
      answers ? { answersQuestion: answers.id } : {},
    );
    await questions.answered(storyId, committed.answered);
  });

  router.post("/stories/:id/entries/batch", auth, ...batchJson, idempotency(store), async (req, res) => {
    const storyId = storyIdOf(req);
    const { entries: inputs } = parseOr400(AddEntriesBody, req.body, "entries");
    const latest = new Date(Date.now() + CLOCK_SKEW_MS).toISOString();
    const future = inputs.findIndex((input) => input.createdAt !== undefined && input.createdAt > latest);
    if (future >= 0) {
      const message = "must not be in the future (an import brings entries already written)";
      throw new ApiError(400, "validation_failed", `Entry ${future + 1}'s createdAt ${message}.`, { issues: [{ path: `entries.${future}.createdAt`, message }] });
    }
    const entries: NewEntry[] = [];
    // One time budget for the whole batch's embeds: an import of 500 posts is not 500 waits.
    const budget = AbortSignal.timeout(EMBED_DESCRIBE_BUDGET_MS);
    for (const [index, { media: mediaInput, ...fields }] of inputs.entries()) {
      const media = await mediaResolver.resolve(mediaInput, `entries.${index}.media`, budget);
      entries.push({ entryId: newEntryId(), ...fields, ...(media?.length ? { media } : {}) });
    }
    await write(req, res, storyId, { type: "add_entries", entries }, (c) => ({
      status: 201,
      body: { entries: entries.map(({ entryId }) => c.snapshot.entries[entryId]), version: c.snapshot.version },
    }));
  });

  router.patch("/stories/:id/entries/:entryId", ...withBody, async (req, res) => {
    const storyId = storyIdOf(req);
    const entryId = entryIdOf(req);
    const { media: mediaInput, ...body } = parseOr400(EditEntryBody, req.body, "entry fields");
    const media = await mediaResolver.resolve(mediaInput);
    await write(req, res, storyId, { type: "edit_entry", entryId, ...body, ...(media ? { media } : {}) }, (c) => ({
      status: 200,
      body: { entry: c.snapshot.entries[entryId], version: c.snapshot.version },
    }));
  });

  router.delete("/stories/:id/entries/:entryId", ...withoutBody, async (req, res) => {
    const storyId = storyIdOf(req);
    const entryId = entryIdOf(req);
    await write(req, res, storyId, { type: "remove_entry", entryId }, (c) => ({ status: 200, body: { version: c.snapshot.version } }));
  });

  // Key figures: editors only (contributors never reach the story itself), and a PUT is the whole figure.
  router.put("/stories/:id/facts/:factId", ...withBody, async (req, res) => {
    const storyId = storyIdOf(req);
    const factId = factIdOf(req, "invalid");
    const body = parseOr400(PutFactBody, req.body, "figure");
    await write(req, res, storyId, { type: "set_fact", factId, ...body }, (c) => ({
      status: 200,
      body: { fact: c.snapshot.facts![factId], version: c.snapshot.version },
    }));
  });

  router.delete("/stories/:id/facts/:factId", ...withoutBody, async (req, res) => {
    const storyId = storyIdOf(req);
    const factId = factIdOf(req, "not_found");
    await write(req, res, storyId, { type: "remove_fact", factId }, (c) => ({ status: 200, body: { version: c.snapshot.version } }));
  });

  return router;
}

function optionalExpectedVersion(req: Request): { expectedVersion?: number } {
  const expectedVersion = expectedVersionOf(req);
  return expectedVersion === undefined ? {} : { expectedVersion };
}
