import { z } from "zod";
import { FACT_ID_PATTERN } from "./facts.js";
import { ENTRY_ID_PATTERN, STORY_ID_PATTERN } from "./id-patterns.js";
import { canonicalLanguage, DEFAULT_LANGUAGE, LANGUAGE_MESSAGE, MAX_LANGUAGE_TAG_LENGTH } from "./language.js";
import { FACT_LIMITS, LIMITS } from "./limits.js";
import { MediaList } from "./media.js";
import { AnsweredQuestion } from "./questions.js";

export { ENTRY_ID_PATTERN, LIMITS, STORY_ID_PATTERN };

export const StoryId = z.string().regex(STORY_ID_PATTERN, "must match ^[a-z0-9][a-z0-9-]{0,63}$");
export const EntryId = z.string().regex(ENTRY_ID_PATTERN, "must look like e_7Gh2");
export const StoryStatus = z.enum(["live", "ended"]);
export const EntryKind = z.enum(["update", "breaking", "correction"]);
export const IsoTime = z.iso.datetime();
export const Author = z.strictObject({ name: z.string().max(LIMITS.authorName) });

/**
 * A story's language as stored and served: a well-formed BCP 47 tag in its canonical form, as the
 * requests that set it leave it (shared/api.ts); not necessarily a language the interface speaks.
 */
const LanguageTag = z
  .string()
  .max(MAX_LANGUAGE_TAG_LENGTH)
  .refine((tag) => canonicalLanguage(tag) === tag, `${LANGUAGE_MESSAGE}, in its canonical form (pt-BR, not PT-br)`);

export const Entry = z.strictObject({
  id: EntryId,
  createdAt: IsoTime,
  updatedAt: IsoTime,
  author: Author,
  kind: EntryKind,
  pinned: z.boolean(),
  headline: z.string().max(LIMITS.headline).optional(),
  body: z.string().max(LIMITS.body),
  html: z.string(),
  revision: z.number().int().positive(),
  /** Photos and embeds, in display order (shared/media.ts); absent when there are none. */
  media: MediaList.optional(),
  /** The reader's question this entry answers (issue 36), quoted as asked. */
  question: AnsweredQuestion.optional(),
});

export const FactId = z.string().regex(FACT_ID_PATTERN, "must look like f_injured: f_ then lowercase letters, digits and _ (at most 34 characters)");

/** A key figure (shared/facts.ts); the request body that makes one is checked harder (shared/api.ts). */
export const Fact = z.strictObject({
  id: FactId,
  label: z.string().max(FACT_LIMITS.label),
  value: z.string().max(FACT_LIMITS.value),
  source: z.string().max(FACT_LIMITS.source).optional(),
  order: z.number().int().positive(),
  updatedAt: IsoTime,
});

export const Snapshot = z.strictObject({
  id: StoryId,
  version: z.number().int().positive(),
  title: z.string().max(LIMITS.title),
  summary: z.string().max(LIMITS.summary),
  status: StoryStatus,
  createdAt: IsoTime,
  updatedAt: IsoTime,
  entries: z.record(EntryId, Entry),
  /**
   * The story's language (BCP 47): its pages' `lang` and `dir`, the language of their interface
   * when there is a catalog for it, and of their dates. Stories stored before stories had a
   * language have none in their stored JSON; the stores read them as DEFAULT_LANGUAGE.
   */
  language: LanguageTag.default(DEFAULT_LANGUAGE),
  /** Absent until the story's first figure, and again once its last one is removed. */
  facts: z.record(FactId, Fact).optional(),
}).superRefine((snapshot, context) => {
  // Entries and figures are keyed by their own id (DESIGN.md §1): JSON Pointer paths of patches rely on it.
  for (const [key, entry] of Object.entries(snapshot.entries)) {
    if (entry.id !== key) context.addIssue({ code: "custom", path: ["entries", key, "id"], message: "must equal the entry's key" });
  }
  for (const [key, fact] of Object.entries(snapshot.facts ?? {})) {
    if (fact.id !== key) context.addIssue({ code: "custom", path: ["facts", key, "id"], message: "must equal the figure's key" });
  }
});

export type StoryStatus = z.infer<typeof StoryStatus>;
export type EntryKind = z.infer<typeof EntryKind>;
export type Author = z.infer<typeof Author>;
export type Entry = z.infer<typeof Entry>;
export type Snapshot = z.infer<typeof Snapshot>;

/** One line of `GET /api/stories`. */
export interface StorySummary {
  id: string;
  title: string;
  status: StoryStatus;
  version: number;
  updatedAt: string;
}

export function summarize(snapshot: Snapshot): StorySummary {
  const { id, title, status, version, updatedAt } = snapshot;
  return { id, title, status, version, updatedAt };
}
