import { z } from "zod";
import type { ErrorBody } from "./api.js";
import type { PatchOp } from "./patch.js";
import { StoryId, type Snapshot } from "./story.js";
import { VIEW_NAMES } from "./view-names.js";

export { PROTOCOL_VERSION, SUPPORTED_PROTOCOLS } from "./protocol-version.js";

const Version = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Protocol = z.number().int().positive();

export const SubscribeRequest = z.strictObject({
  storyId: StoryId,
  version: Version.optional(),
  protocol: Protocol.optional(),
  /** DESIGN.md §4: the whole snapshot (the default), or the latest view (shared/views.ts). */
  view: z.enum(VIEW_NAMES).optional(),
});

/**
 * What a reader may put in its connection's handshake (`io(url, {auth})`): the stories it follows,
 * the version of each it holds and the view it reads, so that it is subscribed as it connects, with
 * no round trip.
 */
export const HandshakeAuth = z.strictObject({
  stories: z.array(z.strictObject({ id: StoryId, version: Version.optional(), view: z.enum(VIEW_NAMES).optional() })).optional(),
  protocol: Protocol.optional(),
});
export const UnsubscribeRequest = z.strictObject({ storyId: StoryId });

export type SubscribeRequest = z.infer<typeof SubscribeRequest>;
export type UnsubscribeRequest = z.infer<typeof UnsubscribeRequest>;
export type HandshakeAuth = z.infer<typeof HandshakeAuth>;
export type HandshakeStory = NonNullable<HandshakeAuth["stories"]>[number];

export type Ack = { ok: true; version: number } | { ok: false; error: ErrorBody };
export type UnsubscribeAck = { ok: true } | { ok: false; error: ErrorBody };

export interface SnapshotMessage { storyId: string; snapshot: Snapshot }
export interface PatchMessage { storyId: string; from: number; to: number; ops: PatchOp[] }

/** Socket.IO typed events, used by `new Server<…>()` and `io<…>()` alike. */
export interface ClientToServerEvents {
  subscribe(request: SubscribeRequest, ack: (result: Ack) => void): void;
  unsubscribe(request: UnsubscribeRequest, ack?: (result: UnsubscribeAck) => void): void;
}

export interface ServerToClientEvents {
  snapshot(message: SnapshotMessage): void;
  patch(message: PatchMessage): void;
}

/**
 * Why the server turned a connection away, as `connect_error`'s `data` (the error's `message` says
 * the same for clients that read only that). Sent before the server closes the connection.
 * `rate_limited` (too many new connections or subscriptions from one address) says in
 * `details.retryAfter` how many seconds to wait before trying again.
 */
export interface ConnectionRefusal {
  code: "origin_not_allowed" | "too_many_connections" | "rate_limited";
  message: string;
  details?: { retryAfter: number };
}
