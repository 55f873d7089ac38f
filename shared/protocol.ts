import { z } from "zod";
import type { ErrorBody } from "./api.js";
import type { PatchOp } from "./patch.js";
import { StoryId, type Snapshot } from "./story.js";
import { VIEW_NAMES } from "./view-names.js";

export { PROTOCOL_VERSION, SUPPORTED_PROTOCOLS } from "./protocol-version.js";

export const SubscribeRequest = z.strictObject({
  storyId: StoryId,
  version: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  protocol: z.number().int().positive().optional(),
  /** DESIGN.md §4: the whole snapshot (the default), or the latest view (shared/views.ts). */
  view: z.enum(VIEW_NAMES).optional(),
});
export const UnsubscribeRequest = z.strictObject({ storyId: StoryId });

export type SubscribeRequest = z.infer<typeof SubscribeRequest>;
export type UnsubscribeRequest = z.infer<typeof UnsubscribeRequest>;

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
 */
export interface ConnectionRefusal {
  code: "origin_not_allowed" | "too_many_connections";
  message: string;
}

/** The Socket.IO room of a story's readers. */
export const roomOf = (storyId: string) => `story:${storyId}`;
