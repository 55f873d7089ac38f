import { Router, type RequestHandler } from "express";
import { AskQuestionBody, ModerateQuestionBody, QUESTION_ID_PATTERN, QuestionSettingsBody } from "../../shared/questions.js";
import type { ReaderQuestions } from "../questions/reader-questions.js";
import type { Store } from "../store/store.js";
import { requireRole } from "./auth.js";
import { ApiError, parseOr400 } from "./errors.js";
import { storyIdOf } from "./params.js";
import { jsonRequest } from "./write-routes.js";

/** A question is at most 500 characters (2 KB of UTF-8) and its proof about 600 bytes: room to spare, no more. */
export const QUESTION_BODY_BYTES = 4096;

/**
 * Readers' questions (DESIGN.md §3, issue 36). Readers fetch a challenge and ask; the desk
 * (contributors, editors, admins) lists and moderates a story's questions, and editors pause them.
 * A reader's address is counted (as its keyed hash) before the body is read.
 */
export function questionRoutes(store: Store, questions: ReaderQuestions): Router {
  const router = Router();
  const desk = requireRole("contributor", "editor", "admin");
  const editors = requireRole("editor", "admin");
  const json = jsonRequest(QUESTION_BODY_BYTES);
  const askerKey = async (ip: string | undefined) => questions.keyOf(ip ?? "unknown");
  const storyOr404 = async (storyId: string) => {
    if (!(await store.latest(storyId))) throw new ApiError(404, "story_not_found", `No story "${storyId}".`);
  };
  const admitted: RequestHandler = async (req, res, next) => {
    const key = await askerKey(req.ip);
    await questions.admitAsker(key);
    res.locals.askerKey = key;
    next();
  };

  router.get("/stories/:id/questions/challenge", async (req, res) => {
    const storyId = storyIdOf(req);
    await storyOr404(storyId);
    // One per request: a shared cache must never hand one reader's challenge to another.
    res.setHeader("Cache-Control", "no-store");
    res.json(await questions.challenge(storyId, await askerKey(req.ip)));
  });

  router.post("/stories/:id/questions", (req, _res, next) => (storyIdOf(req), next()), admitted, ...json, async (req, res) => {
    const storyId = storyIdOf(req);
    const body = parseOr400(AskQuestionBody, req.body, "question");
    await storyOr404(storyId);
    await questions.ask(storyId, res.locals.askerKey as string, body);
    res.status(202).json({ status: "pending" });
  });

  router.get("/stories/:id/questions", desk, async (req, res) => {
    const storyId = storyIdOf(req);
    await storyOr404(storyId);
    res.json({ questions: await questions.list(storyId) });
  });

  router.patch("/stories/:id/questions/:questionId", desk, ...json, async (req, res) => {
    const storyId = storyIdOf(req);
    const questionId = req.params.questionId;
    if (typeof questionId !== "string" || !QUESTION_ID_PATTERN.test(questionId)) throw new ApiError(404, "question_not_found", "No such question on this story.");
    const { status } = parseOr400(ModerateQuestionBody, req.body, "moderation");
    res.json({ question: await questions.moderate(storyId, questionId, status) });
  });

  router.get("/stories/:id/question-settings", desk, async (req, res) => {
    const storyId = storyIdOf(req);
    await storyOr404(storyId);
    res.json(await questions.state(storyId));
  });

  router.put("/stories/:id/question-settings", editors, ...json, async (req, res) => {
    const storyId = storyIdOf(req);
    const { open } = parseOr400(QuestionSettingsBody, req.body, "question settings");
    await storyOr404(storyId);
    res.json(await questions.setOpen(storyId, open));
  });

  return router;
}
