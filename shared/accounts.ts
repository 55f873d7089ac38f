import type { MediaItem } from "./media.js";
import type { AnsweredQuestion } from "./questions.js";
import type { EntryKind } from "./story.js";
import { CATALOG_LANGUAGES } from "./generated/catalog-languages.js";

/** The people who write, as the API shows them: server and desk use these same types. */

export type Role = "admin" | "editor" | "contributor";

/**
 * What an API token may do: `write` stories, entries and drafts as its owner; `manage` list
 * accounts and tokens and revoke tokens. No token creates a token or an account (that needs a
 * signed-in session), so a leaked token cannot outlive its own revocation.
 */
export type TokenScope = "write" | "manage";
export const TOKEN_SCOPES: readonly TokenScope[] = ["write", "manage"];

/**
 * The languages the desk's interface speaks: the message catalogs (client/i18n/messages), each a
 * complete desk since the catalog check allows no gap. Listed by `npm run messages` from the
 * catalog files, so a new catalog file is a new choice here too, with nothing else to edit.
 */
export const DESK_LANGUAGES = CATALOG_LANGUAGES;
export type DeskLanguage = (typeof DESK_LANGUAGES)[number];
/** What an account made before desk languages, or by anyone who never chose, sees. */
export const DEFAULT_DESK_LANGUAGE: DeskLanguage = "en";

export interface User {
  id: string;
  /** The login name: not secret, but never shown to readers. */
  username: string;
  /** The byline readers see on the account's entries and in the history. */
  displayName: string;
  role: Role;
  createdAt: string;
  /** Set for a one-time password: the account may do nothing but choose its own password. */
  mustChangePassword: boolean;
  /** The language of the desk's interface, chosen by the account itself (never of its stories). */
  deskLanguage: DeskLanguage;
}

/** An entry a contributor wrote, waiting for an editor to publish or discard it. Not public. */
export interface Draft {
  id: string;
  storyId: string;
  authorId: string;
  author: { name: string };
  /** The author's login name, for reviewers beside the byline (drafts written before it have none); never published. */
  authorLogin?: string;
  createdAt: string;
  updatedAt: string;
  headline?: string;
  body: string;
  kind: EntryKind;
  pinned: boolean;
  /** Photos (resolved to stored images) and embeds, as the entry will carry them; absent when none. */
  media?: MediaItem[];
  /** The reader's question it answers: fixed when the draft is written, quoted as the entry will carry it. */
  question?: DraftQuestion;
  /** 1 at creation, +1 on every edit; sent back as `If-Match` so nobody acts on text they did not see. */
  revision: number;
}

/**
 * A reader's question a draft answers: its id (marked answered when the draft is published) and
 * the quote, taken when the draft was written, so the draft publishes the same answer even if the
 * question is deleted (retention) or answered by someone else meanwhile.
 */
export type DraftQuestion = AnsweredQuestion & { id: string };

/**
 * What became of a draft that no longer waits: who published or discarded it, and when. Kept
 * (without the text) so that whoever still holds the draft is told, rather than finding it gone.
 */
export interface ClosedDraft {
  id: string;
  storyId: string;
  authorId: string;
  outcome: "published" | "discarded";
  by: { name: string };
  at: string;
  /** The entry it became (published only). */
  entryId?: string;
}

/** Editors and admins review every draft; a contributor sees only their own. */
export const reviewsDrafts = (role: Role) => role === "editor" || role === "admin";
/** Whether an account may see (and act on) a draft by `authorId`: over HTTP and on the desk's socket alike. */
export const maySeeDraft = (viewer: { role: Role; userId?: string | undefined }, authorId: string) => reviewsDrafts(viewer.role) || authorId === viewer.userId;
