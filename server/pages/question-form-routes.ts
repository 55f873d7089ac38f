import express, { Router, type RequestHandler, type Response } from "express";
import type { PageProps } from "../../client/pages.js";
import { interfaceLocale, m } from "../../client/lib/i18n.js";
import { AskFormBody } from "../../shared/questions.js";
import type { ErrorCode } from "../../shared/error-codes.js";
import type { Snapshot } from "../../shared/story.js";
import { ApiError, setRetryAfter, toApiError } from "../http/errors.js";
import { storyIdOf } from "../http/params.js";
import { QUESTION_BODY_BYTES } from "../http/question-routes.js";
import type { ReaderQuestions } from "../questions/reader-questions.js";
import type { Store } from "../store/store.js";
import type { ClientBuild } from "./client-build.js";
import { page } from "./render-page.js";

type Outcome = PageProps["ask"]["outcome"];

/** What a refusal means to the reader of the form. */
const OUTCOME_OF: Partial<Record<ErrorCode, Outcome>> = {
  rate_limited: "too_many",
  questions_closed: "closed",
  validation_failed: "invalid",
  question_refused: "refused",
  challenge_failed: "expired",
  challenge_spent: "expired",
};

/**
 * "Ask the newsroom" without JavaScript (issue 36): the live and update pages' form posts here when
 * no script took it over. The first post answers with a page that reads the question back and
 * carries a ticket (server/questions/form-ticket.ts); "Send question" on it posts again with the
 * ticket, and the question goes through every check the API's does, the ticket standing in for the
 * proof of work. Every answer is a page in the story's language, never cached.
 */
export function questionFormRoutes(store: Store, questions: ReaderQuestions, build: ClientBuild): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: QUESTION_BODY_BYTES, parameterLimit: 8 });

  // Refused before the body is read, and as plain JSON errors: what a browser's form never sends,
  // and an address past its posts (a flood must not be answered with rendered pages).
  const admitted: RequestHandler = async (req, res, next) => {
    const storyId = storyIdOf(req);
    if (!req.is("application/x-www-form-urlencoded")) throw new ApiError(415, "unsupported_media_type", "Send the form as application/x-www-form-urlencoded, or use POST /api/stories/:id/questions with JSON.");
    const key = await questions.keyOf(req.ip ?? "unknown");
    await questions.admitForm(storyId, key);
    res.locals.askerKey = key;
    next();
  };

  router.post("/stories/:id/questions", admitted, form, async (req, res) => {
    const storyId = storyIdOf(req);
    const story = await store.latest(storyId);
    if (!story) throw new ApiError(404, "story_not_found", `No story "${storyId}".`);
    const answer = (status: number, outcome: Outcome, words?: PageProps["ask"]["words"], ticket?: string) =>
      sendAsk(res, build, story, status, { outcome, ...(words ? { words } : {}), ...(ticket ? { ticket } : {}) });
    const fields = (req.body ?? {}) as Record<string, unknown>;
    // Browsers send a textarea's line breaks as CRLF; the ticket signs the words as checked.
    const typed = typeof fields.text === "string" ? { ...fields, text: fields.text.replace(/\r\n?/g, "\n") } : fields;
    const parsed = AskFormBody.safeParse(typed);
    if (!parsed.success) {
      return answer(400, "invalid", { text: typeof fields.text === "string" ? fields.text : "", ...(typeof fields.name === "string" && fields.name ? { name: fields.name } : {}) });
    }
    const { ticket, ...asked } = parsed.data;
    const words = { text: asked.text, ...(asked.name ? { name: asked.name } : {}) };
    const key = res.locals.askerKey as string;
    try {
      if (ticket === undefined) {
        const issued = await questions.formTicket(storyId, key, asked);
        return issued.open && issued.ticket ? answer(200, "confirm", words, issued.ticket) : answer(409, "closed");
      }
      await questions.admitAsker(key);
      await questions.askWithTicket(storyId, key, asked, ticket);
      answer(202, "sent");
    } catch (refusal) {
      const apiError = toApiError(refusal);
      if (apiError.status >= 500) req.log.error({ err: refusal }, "a question from the form failed");
      setRetryAfter(res, apiError);
      // Sent before the wait was over: the same ticket, read back again, goes through a moment later.
      if ((apiError.details as { reason?: unknown } | undefined)?.reason === "too_soon") return answer(429, "wait", words, ticket);
      answer(apiError.status, OUTCOME_OF[apiError.code] ?? "failed", words);
    }
  });

  return router;
}

function sendAsk(res: Response, build: ClientBuild, story: Snapshot, status: number, parts: Omit<PageProps["ask"], "story" | "lang">): void {
  const props: PageProps["ask"] = { story: { id: story.id, title: story.title }, ...parts, lang: story.language };
  const title = m.ask_page_title({ title: story.title }, { locale: interfaceLocale(story.language) });
  // A reader's words and a single-use ticket: for this reader only, and for no search engine.
  res.status(status).setHeader("Cache-Control", "no-store").setHeader("X-Robots-Tag", "noindex").type("html").send(page(build, "ask", props, { title }, false));
}
