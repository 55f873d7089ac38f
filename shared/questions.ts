import { z } from "zod";
import { nameFold, posesAsRole } from "./display-names.js";
import { QUESTION_LIMITS } from "./question-limits.js";

/**
 * Readers' questions to the newsroom (issue 36; DESIGN.md §1 `question`, §3 the questions routes).
 * A question is what a stranger sent: it is checked here, pure, before anything is stored, and it
 * never becomes part of a story's versions unless an editor publishes an entry answering it.
 */
export { QUESTION_LIMITS };

export const QUESTION_STATUSES = ["pending", "answered", "dismissed", "spam"] as const;
export const QuestionStatus = z.enum(QUESTION_STATUSES);
export type QuestionStatus = z.infer<typeof QuestionStatus>;

/** Question ids as the server makes them: `q_` and 12 base64url characters. */
export const QUESTION_ID_PATTERN = /^q_[A-Za-z0-9_-]{12}$/;

/**
 * Direction controls (embeddings, overrides, isolates, marks) and the invisible characters that
 * hide text: refused in a question, which the desk and then every reader may see quoted. Zero-width
 * joiners stay allowed: Persian and emoji sequences need them.
 */
const HIDDEN = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B\u2060\uFEFF\u00AD\p{Co}]/u;
/** Control characters other than the newline and tab; lone surrogates, which are not text. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\p{Cs}]/u;
/** Markup: an HTML tag, comment or entity, or a Markdown link or image. A question is plain text. */
const MARKUP = /<\s*[a-z!/?]|&(?:#\d+|#x[0-9a-f]+|[a-z]{2,8});|\]\(|!\[/i;

/** Why a question's or a name's text is refused, or undefined when it is fine. */
export function textRefusal(text: string): string | undefined {
  if (CONTROL.test(text)) return "must not contain control characters";
  if (HIDDEN.test(text)) return "must not contain direction controls (U+202A–202E, U+2066–2069, U+200E, U+200F, U+061C) or invisible characters";
  if (MARKUP.test(text)) return "must be plain text, without HTML or Markdown links";
  return undefined;
}

const checked = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .superRefine((text, context) => {
      const refusal = textRefusal(text);
      if (refusal) context.addIssue({ code: "custom", message: refusal });
    });

export const QuestionText = checked(QUESTION_LIMITS.text).refine((text) => nameFold(text).length >= 3, "must ask something (at least a few letters)");
export const QuestionName = checked(QUESTION_LIMITS.name)
  .refine((name) => !/[\n\r\t]/.test(name), "must be one line")
  .refine((name) => !posesAsRole(name), "must not read as a role or as the newsroom");

/** The question an entry answers, as the entry carries it (DESIGN.md §1). */
export const AnsweredQuestion = z.strictObject({
  text: z.string().max(QUESTION_LIMITS.text),
  name: z.string().max(QUESTION_LIMITS.name).optional(),
});
export type AnsweredQuestion = z.infer<typeof AnsweredQuestion>;

/** The proof of work a reader's browser solved (ALTCHA v2, deterministic SHA-256), sent back as given. */
export const QuestionProof = z.strictObject({
  challenge: z.strictObject({
    parameters: z.strictObject({
      algorithm: z.string().max(20),
      nonce: z.string().max(64),
      salt: z.string().max(64),
      cost: z.number().int().positive(),
      keyLength: z.number().int().positive().max(64),
      keyPrefix: z.string().max(128),
      keySignature: z.string().max(128).optional(),
      expiresAt: z.number().int().positive().optional(),
      data: z.strictObject({ storyId: z.string().max(64) }).optional(),
    }),
    signature: z.string().max(200),
  }),
  // `time`: how long the solver took, as altcha-lib reports it; not used.
  solution: z.strictObject({ counter: z.number().int().nonnegative(), derivedKey: z.string().max(200), time: z.number().optional() }),
});
export type QuestionProof = z.infer<typeof QuestionProof>;

/**
 * `POST /api/stories/:id/questions`. `website` is the honeypot: a field people never see or fill;
 * a form that sends it filled was filled by a robot.
 */
/** What a reader writes (and `website`, the honeypot, which only robots fill). */
const askedWords = {
  text: QuestionText,
  name: QuestionName.optional(),
  website: z.string().max(200).optional(),
};
export const AskedWords = z.strictObject(askedWords);
export type AskedWords = z.infer<typeof AskedWords>;

export const AskQuestionBody = z.strictObject({ ...askedWords, proof: QuestionProof });
export type AskQuestionBody = z.infer<typeof AskQuestionBody>;

/**
 * The form without JavaScript (`POST /stories/:id/questions`, urlencoded): its words, an empty name
 * as none, and from the confirmation page the ticket (server/questions/form-ticket.ts).
 */
export const AskFormBody = z.strictObject({
  ...askedWords,
  name: z.preprocess((name) => (name === "" ? undefined : name), askedWords.name),
  website: z.preprocess((website) => (website === "" ? undefined : website), askedWords.website),
  ticket: z.string().max(200).optional(),
});
export type AskFormBody = z.infer<typeof AskFormBody>;

/** `PATCH /api/stories/:id/questions/:questionId`. */
export const ModerateQuestionBody = z.strictObject({ status: z.enum(["dismissed", "spam"]) });

/** `PUT /api/stories/:id/question-settings`: whether readers may ask (the desk's "pause questions"). */
export const QuestionSettingsBody = z.strictObject({ open: z.boolean() });

/** A question as the desk sees it (DESIGN.md §3); `asks` counts the duplicates folded into it. */
export interface Question {
  id: string;
  text: string;
  name?: string;
  at: string;
  status: QuestionStatus;
  asks: number;
  /** The entry that answered it. */
  entryId?: string;
}

/**
 * What two questions have in common when they are the same question: case, accents, look-alike
 * letters, spacing and punctuation folded away ("Is the metro running?" = "is the METRO running").
 */
export const questionFold = (text: string): string => nameFold(text);

/** The question an entry carries: its text and, only when the reader gave one, the name. */
export const answeredQuestion = (question: Pick<Question, "text" | "name">): AnsweredQuestion => ({
  text: question.text,
  ...(question.name ? { name: question.name } : {}),
});
