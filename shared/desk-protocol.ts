import { z } from "zod";
import type { ClosedDraft, Draft } from "./accounts.js";
import type { ErrorBody } from "./api.js";
import type { PresentEditor } from "./presence.js";
import type { Question } from "./questions.js";
import { ENTRY_ID_PATTERN, StoryId } from "./story.js";

/**
 * The desk's own Socket.IO channel: the namespace `/desk`, open only to signed-in accounts (the
 * session cookie of the handshake, or `Authorization: Bearer`), never to readers. A socket follows
 * the stories open on its desk; what it hears about a story is what its account may see over HTTP:
 * editors and admins every draft, a contributor only their own. Editors and admins also see who
 * else has the story open and which entry they are editing (`presence`, issue 19); contributors
 * neither see it nor appear in it, and readers cannot connect at all.
 */
export { DESK_NAMESPACE } from "./protocol-version.js";

/** Draft ids as the server makes them (`d_` and 12 base64url characters); checked loosely. */
const DraftId = z.string().regex(/^d_[A-Za-z0-9_-]{1,64}$/);
/** How many drafts a follow may ask about (see `known`): more than a desk ever shows at once. */
export const MAX_KNOWN_DRAFTS = 100;

export const DeskFollowRequest = z.strictObject({
  storyId: StoryId,
  /**
   * The drafts this desk shows from before (a reconnect): those no longer open come back in the
   * ack's `closed`, so nobody's draft silently vanishes while their connection was down.
   */
  known: z.array(DraftId).max(MAX_KNOWN_DRAFTS).optional(),
});
export const DeskUnfollowRequest = z.strictObject({ storyId: StoryId });
export type DeskFollowRequest = z.infer<typeof DeskFollowRequest>;
export type DeskUnfollowRequest = z.infer<typeof DeskUnfollowRequest>;
/** This desk opened (`entryId`) or closed (null) the edit form of an entry of a story it follows. */
export const DeskEditingRequest = z.strictObject({ storyId: StoryId, entryId: z.string().regex(ENTRY_ID_PATTERN).nullable() });
export type DeskEditingRequest = z.infer<typeof DeskEditingRequest>;

/** What became of a draft, as the desk shows it: "Published by Olena", "Discarded by Taras". */
export type DraftClosure = Pick<ClosedDraft, "id" | "outcome" | "by" | "at" | "entryId">;

type Failure = { ok: false; error: ErrorBody };
/** The drafts open now (those this account may see), and what became of the `known` ones that closed. */
export type DeskFollowAck = { ok: true; drafts: Draft[]; closed: DraftClosure[]; presence?: PresentEditor[] } | Failure;
export type DeskUnfollowAck = { ok: true } | Failure;
export type DeskEditingAck = { ok: true } | Failure;

/** A draft was written or edited (after the store committed it): the whole draft, at its new revision. */
export interface DraftChangedMessage { storyId: string; draft: Draft }
/** A draft was published or discarded (after the store committed it). */
export interface DraftClosedMessage extends DraftClosure { storyId: string }
/**
 * Everyone with the story open on a desk now, over all nodes, this desk's own account included
 * (editors and admins only; sent to them when it changes, and in the follow's ack).
 */
export interface PresenceMessage { storyId: string; editors: PresentEditor[] }

/**
 * A breaking-news alert went out (issue 33), told to the story's editors and admins when the node
 * that sent it finished: `done` with what the push services answered (`sent`; `failed` for good;
 * `removed`: subscriptions the service said are gone), or `dropped` when the update was removed
 * before it reached everyone. `subscribers` is the story's count after the send.
 */
export interface AlertSentMessage {
  storyId: string;
  entryId: string;
  state: "done" | "dropped";
  sent: number;
  failed: number;
  removed: number;
  subscribers: number;
}
/** A reader's question arrived, was folded into (`asks`), answered, dismissed or marked spam (issue 36). */
export interface QuestionChangedMessage { storyId: string; question: Question }
/** Whether the story takes questions, and how many wait: sent with every change of either. */
export interface QuestionsStateMessage { storyId: string; open: boolean; pending: number }

export interface DeskClientToServerEvents {
  follow(request: DeskFollowRequest, ack: (result: DeskFollowAck) => void): void;
  unfollow(request: DeskUnfollowRequest, ack?: (result: DeskUnfollowAck) => void): void;
  editing(request: DeskEditingRequest, ack?: (result: DeskEditingAck) => void): void;
}

export interface DeskServerToClientEvents {
  "draft:changed"(message: DraftChangedMessage): void;
  "draft:closed"(message: DraftClosedMessage): void;
  presence(message: PresenceMessage): void;
  "alert:sent"(message: AlertSentMessage): void;
  "question:changed"(message: QuestionChangedMessage): void;
  "questions:state"(message: QuestionsStateMessage): void;
}

/** Why `/desk` turned a connection away, as `connect_error`'s `data`; the same codes as the HTTP API's. */
export interface DeskRefusal {
  code: "unauthorized" | "session_expired" | "forbidden" | "password_change_required" | "insufficient_scope" | "origin_not_allowed";
  message: string;
}
