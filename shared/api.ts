import { z } from "zod";
import { DESK_LANGUAGES } from "./accounts.js";
import { EntryKind, LIMITS, StoryId, StoryStatus, type Entry, type Snapshot, type StorySummary } from "./story.js";
import type { ErrorCode } from "./error-codes.js";
import type { Fact } from "./facts.js";
import { BIDI_CONTROLS } from "./facts.js";
import { hasHiddenCharacters, HIDDEN_CHARACTERS_MESSAGE, nameFold, posesAsRole } from "./display-names.js";
import { canonicalLanguage, LANGUAGE_MESSAGE, MAX_LANGUAGE_TAG_LENGTH } from "./language.js";
import { FACT_LIMITS, MAX_DISPLAY_NAME_LENGTH } from "./limits.js";
import { mastodonInstanceRefusal, recognizeEmbed, SUPPORTED_EMBEDS_MESSAGE } from "./embeds.js";
import { EmbedItem, EmbedProviderName, ImageItem, MAX_MEDIA_PER_ENTRY, MEDIA_TEXT_LIMITS, MediaId } from "./media.js";
import type { PatchOp } from "./patch.js";
import { QUESTION_ID_PATTERN } from "./questions.js";
import type { HistoryChange } from "./history-changes.js";

/** A lone surrogate is not text: it cannot be stored as UTF-8 (SQLite and feeds would mangle it) nor shown. */
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);
const WELL_FORMED = "must be valid Unicode text (no lone surrogates)";
/**
 * Something a reader can see: not only spaces and invisible format characters (zero-width
 * spaces, joiners, bidi controls). Those are kept inside text, where scripts such as Persian
 * and Arabic and emoji sequences need them.
 */
const visible = (s: string) => /[^\p{White_Space}\p{Cf}]/u.test(s);

/** Plain text fields: no control characters except newlines and tabs, trimmed. */
const plainText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s), "must not contain control characters")
    .refine(wellFormed, WELL_FORMED);

const nonEmpty = (max: number) => plainText(max).refine(visible, "must not be empty");

/** A story's language as a writer sends it ("uk-ua"): any well-formed BCP 47 tag, kept in its canonical form ("uk-UA"). */
const LanguageInput = z
  .string()
  .trim()
  .max(MAX_LANGUAGE_TAG_LENGTH)
  .transform((tag, context) => {
    const canonical = canonicalLanguage(tag);
    if (canonical !== undefined) return canonical;
    context.addIssue({ code: "custom", message: LANGUAGE_MESSAGE });
    return z.NEVER;
  });

/**
 * An account's byline: one line of plain text a reader can trust (shared/display-names.ts): no
 * direction controls or invisible characters, something to fold, and no role or newsroom posed as.
 * That no other account's name folds the same is the store's to say (409 `display_name_taken`).
 */
export const DisplayName = nonEmpty(MAX_DISPLAY_NAME_LENGTH)
  .refine((s) => !/[\n\r\t]/.test(s), "must be one line")
  .refine((s) => !hasHiddenCharacters(s), HIDDEN_CHARACTERS_MESSAGE)
  .refine((s) => nameFold(s) !== "", "must contain a letter or a digit")
  .refine((s) => !posesAsRole(s), "must not read as a role or as the newsroom (admin, editor, contributor, Newsroom …)");
const atLeastOneField = (value: object) => Object.keys(value).length > 0;

/** What a signed-in person may change about their own account: the byline and the desk's language. */
export const SessionChangeBody = z
  .strictObject({
    displayName: DisplayName.optional(),
    deskLanguage: z.enum(DESK_LANGUAGES, { error: `must be one of ${DESK_LANGUAGES.join(", ")}` }).optional(),
  })
  .refine(atLeastOneField, "give at least one of displayName, deskLanguage");

export const CreateStoryBody = z.strictObject({
  id: StoryId.optional(),
  title: nonEmpty(LIMITS.title),
  summary: plainText(LIMITS.summary).optional(),
  language: LanguageInput.optional(),
});

export const UpdateStoryBody = z
  .strictObject({
    title: nonEmpty(LIMITS.title).optional(),
    summary: plainText(LIMITS.summary).optional(),
    status: StoryStatus.optional(),
    language: LanguageInput.optional(),
  })
  .refine(atLeastOneField, "give at least one of title, summary, status, language");

/** Markdown is kept exactly as written (leading spaces make code blocks); it must not be blank. */
const markdownBody = z
  .string()
  .max(LIMITS.body)
  .refine(visible, "must not be empty")
  .refine((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s), "must not contain control characters")
  .refine(wellFormed, WELL_FORMED);

/**
 * A photo as a writer names it: an uploaded image's id and its texts. The server fills in its
 * width, height and placeholder from the stored image (server/media/resolve-media.ts).
 */
export const ImageInput = z.strictObject({
  type: z.literal("image"),
  id: MediaId,
  alt: nonEmpty(MEDIA_TEXT_LIMITS.alt),
  caption: plainText(MEDIA_TEXT_LIMITS.caption).optional(),
  credit: plainText(MEDIA_TEXT_LIMITS.credit).optional(),
  // Taken, and replaced by the stored image's own, so that a client may send an entry's items back as they are.
  width: ImageItem.shape.width.optional(),
  height: ImageItem.shape.height.optional(),
  placeholder: ImageItem.shape.placeholder,
});

/**
 * An embed as a writer names it: any URL a platform shows a post at, stored in its canonical form,
 * and the editor's caption. The server adds the platform's title, author and thumbnail
 * (server/media/resolve-media.ts).
 */
export const EmbedInput = z
  // `provider`, `title`, `author` and `thumbnail` are taken (an entry's item sent back as it is) but
  // never believed: the provider is judged again from the URL, the rest fetched again by the server.
  .strictObject({
    type: z.literal("embed"),
    url: z.string().max(4000),
    caption: plainText(MEDIA_TEXT_LIMITS.caption).optional(),
    provider: EmbedProviderName.optional(),
    title: EmbedItem.shape.title,
    author: EmbedItem.shape.author,
    thumbnail: EmbedItem.shape.thumbnail,
  })
  .transform((input, context): EmbedItem => {
    const recognized = recognizeEmbed(input.url);
    const refusal = recognized?.provider === "mastodon" ? mastodonInstanceRefusal(recognized.url) : undefined;
    if (recognized && !refusal) return { type: "embed", ...recognized, ...(input.caption ? { caption: input.caption } : {}) };
    context.addIssue({ code: "custom", path: ["url"], message: refusal ?? `is not a post or video we can show. ${SUPPORTED_EMBEDS_MESSAGE}` });
    return z.NEVER;
  });

/** An entry's photos and embeds in display order; an empty list removes them all. */
export const MediaInput = z.array(z.discriminatedUnion("type", [ImageInput, EmbedInput])).max(MAX_MEDIA_PER_ENTRY, `at most ${MAX_MEDIA_PER_ENTRY} photos and embeds`);

export const AddEntryBody = z.strictObject({
  body: markdownBody,
  headline: plainText(LIMITS.headline).optional(),
  kind: EntryKind.default("update"),
  pinned: z.boolean().default(false),
  media: MediaInput.optional(),
});

/** The most entries one `POST …/entries/batch` may add (DESIGN.md §3). */
export const MAX_BATCH_ENTRIES = 500;

/** An instant with its offset ("2026-05-24T01:02:03Z", "…+03:00"), kept as UTC ISO 8601 so entries sort by it as text. */
const Instant = z.iso
  .datetime({ offset: true, error: "must be a date and time with its offset, like 2026-05-24T01:02:03Z" })
  .transform((s) => new Date(s).toISOString());

/**
 * `POST /api/stories/:id/entries/batch`: entries of a wire feed or a migration, each as a new
 * entry's body and, for an import, the time it was first written (`createdAt`, not in the future:
 * judged against the clock by the route).
 */
export const AddEntriesBody = z.strictObject({
  entries: z
    .array(AddEntryBody.extend({ createdAt: Instant.optional() }))
    .min(1, "give at least one entry")
    .max(MAX_BATCH_ENTRIES, `at most ${MAX_BATCH_ENTRIES} entries a batch`),
});

const editEntryFields = {
  body: markdownBody.optional(),
  headline: plainText(LIMITS.headline).optional(),
  kind: EntryKind.optional(),
  pinned: z.boolean().optional(),
  media: MediaInput.optional(),
};

export const EditEntryBody = z
  .strictObject(editEntryFields)
  .refine(atLeastOneField, "give at least one of body, headline, kind, pinned, media");

/**
 * `publishAt` as sent: any string (or a whole number, a common mistake: epoch milliseconds) here, judged
 * against the clock by the route (shared/schedule.ts), so that its 400 names the field and says what
 * is wrong with it; nothing else (an object, say) gets that far.
 */
const PublishAtInput = z.union([z.string(), z.number().int().positive()]).optional();

/** `alert: false`: a breaking entry published without pushing an alert to the story's subscribers (issue 33). */
const AlertInput = z.boolean().optional();

/** `question: {id}`: the entry answers a reader's question (issue 36), which it then quotes. */
const AnswersInput = z.strictObject({ id: z.string().regex(QUESTION_ID_PATTERN, "must name a reader's question (q_…)") }).optional();

/** `POST /api/stories/:id/entries`: an entry, published now or, with `publishAt`, scheduled. */
export const NewEntryBody = AddEntryBody.extend({ publishAt: PublishAtInput, alert: AlertInput, question: AnswersInput });

/** `POST /api/stories/:id/drafts`: a draft, which may answer a reader's question as an entry does. */
export const NewDraftBody = AddEntryBody.extend({ question: AnswersInput });

/** `POST …/drafts/:draftId/publish`: an optional body; with `publishAt` the draft is scheduled. */
export const PublishDraftBody = z.strictObject({ publishAt: PublishAtInput, alert: AlertInput });

/** `PATCH /api/stories/:id/scheduled/:scheduledId`: a new time, new text, or both. */
export const EditScheduledBody = z
  .strictObject({ ...editEntryFields, publishAt: PublishAtInput })
  .refine(atLeastOneField, "give at least one of publishAt, body, headline, kind, pinned, media");

/**
 * A figure's text: one line, no bidi embeddings, overrides or isolates (shared/facts.ts), which
 * could reorder what a reader sees of a number. `required`: it must show something.
 */
const figureText = (max: number, required: boolean) =>
  (required ? nonEmpty(max) : plainText(max))
    .refine((s) => !/[\n\r\t]/.test(s), "must be one line")
    .refine((s) => !BIDI_CONTROLS.test(s), "must not contain bidi embedding, override or isolate characters (U+202A–U+202E, U+2066–U+2069)");

/** `PUT /api/stories/:id/facts/:factId`: the figure as it should be; an empty or absent source means none. */
export const PutFactBody = z
  .strictObject({
    label: figureText(FACT_LIMITS.label, true),
    value: figureText(FACT_LIMITS.value, true),
    source: figureText(FACT_LIMITS.source, false).optional(),
    order: z.number().int().min(1).max(FACT_LIMITS.perStory).optional(),
  })
  // An empty source is none: dropped, not kept as an empty string or an undefined key.
  .transform(({ source, ...fact }) => (source ? { ...fact, source } : fact));

/** `?version=N`, `?from=A&to=B`: positive integers written plainly (no "1e3", "+1", "0x10"). */
export const VersionParam = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, "must be a positive integer")
  .transform(Number);

export type CreateStoryBody = z.infer<typeof CreateStoryBody>;
export type UpdateStoryBody = z.infer<typeof UpdateStoryBody>;
export type AddEntryBody = z.infer<typeof AddEntryBody>;
export type AddEntriesBody = z.input<typeof AddEntriesBody>;
export type EditEntryBody = z.infer<typeof EditEntryBody>;
export type EditScheduledBody = z.infer<typeof EditScheduledBody>;
export type PutFactBody = z.input<typeof PutFactBody>;
export type ImageInput = z.infer<typeof ImageInput>;
export type MediaInput = z.output<typeof MediaInput>;

/** `POST /api/media` → 201: the stored image (the same answer for the same bytes uploaded again). */
export interface UploadedMedia {
  id: string;
  width: number;
  height: number;
  /** Dominant colour, `#rrggbb`. */
  placeholder: string;
}

/** `DELETE /api/media/:id` → 200: what the takedown changed (nothing more on a repeat). */
export interface MediaTakenDown {
  id: string;
  /** When it was first taken down. */
  removedAt: string;
  /** Each story that lost the photo, at the one new version that took it out. */
  stories: { id: string; version: number }[];
  /** How many open drafts and waiting scheduled entries lost it. */
  drafts: number;
  scheduled: number;
}

export interface StoryListResponse { stories: StorySummary[] }
export interface VersionResponse { version: number }
export interface EntryResponse { entry: Entry; version: number }
/** `POST …/entries/batch` → 201: the entries added, in the order they were sent, and the one version that added them. */
export interface EntriesResponse { entries: Entry[]; version: number }
export interface FactResponse { fact: Fact; version: number }
export interface PatchResponse { storyId: string; from: number; to: number; ops: PatchOp[] }
/**
 * One version in the history: `summary` is a plain English sentence, kept for old clients;
 * `changes` says what changed in structured form (shared/history-changes.ts), for pages to word in
 * the story's language.
 */
export interface HistoryItem { version: number; at: string; author: { name: string }; summary: string; changes: HistoryChange[] }
export interface HistoryResponse { storyId: string; versions: HistoryItem[] }
/**
 * `GET /api/stories/:id/audience` (editors): readers subscribed now on every node, and one sample
 * every `sampleMs` over the last hour, oldest first (`at` in ms since the epoch).
 */
export interface AudienceResponse { storyId: string; readers: number; sampleMs: number; samples: { at: number; readers: number }[] }
/**
 * `GET /api/stories/:id/push-subscriptions` (editors; additive, not in DESIGN.md): how many readers'
 * browsers asked for the story's breaking-news alerts now.
 */
/** `alerts: false`: this server sends no alerts (no PUSH_CONTACT), and `subscribers` is 0. */
export interface PushSubscribersResponse { storyId: string; alerts: boolean; subscribers: number }
export type CreateStoryResponse = Snapshot;

/** Validation problems as `details.issues` of an error: one per field, in a form a client can show. */
export function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

/** Every API error, over HTTP and in socket acks. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}
export interface ErrorResponse { error: ErrorBody }
