import type { Socket } from "socket.io";
import type { ErrorBody } from "../../shared/api.js";
import type { ErrorCode } from "../../shared/error-codes.js";
import { TokenBucket } from "../../shared/token-bucket.js";
import type { Limits } from "../config.js";

/** An event's answer: every ack on both namespaces has this shape. */
export type AckResult = { ok: true } | { ok: false; error: ErrorBody };

/** An error ack: the socket layer's answer to a failure, as the HTTP layer's is a status and the same body. */
export const fail = (code: ErrorCode, message: string, details?: unknown): { ok: false; error: ErrorBody } => ({
  ok: false,
  error: { code, message, ...(details === undefined ? {} : { details }) } satisfies ErrorBody,
});

/**
 * Socket.IO passes the ack as the last argument, so an event sent with an ack but no payload
 * arrives as (ack). Anything may arrive from the wire; a missing ack is replaced by a no-op.
 * Every error answer is told to `rejected`, acked or not.
 */
export function splitAck<T extends AckResult>(args: unknown[], rejected: (code: string) => void): { payload: unknown; ack: (result: T) => void } {
  const last = args.at(-1);
  const reply = typeof last === "function" ? (last as (result: T) => void) : () => {};
  const ack = (result: T) => {
    if (!result.ok) rejected(result.error.code);
    reply(result);
  };
  return { payload: typeof last === "function" && args.length === 1 ? undefined : args[0], ack };
}

export type EventLimits = Pick<Limits, "socketEventBurst" | "socketEventsPerMinute">;

/** A socket's own bucket of events: SOCKET_EVENT_BURST at once, then SOCKET_EVENTS_PER_MINUTE. */
export const eventBucket = (limits: EventLimits) => new TokenBucket(limits.socketEventBurst, limits.socketEventsPerMinute, performance.now());

/**
 * Every event a socket sends, on either namespace, takes a token from its own bucket: past it,
 * the event is answered `rate_limited` and does no work. `bucket` is the socket's when its
 * handshake already took from it.
 */
export function limitEvents(socket: Socket<any, any>, limits: EventLimits, rejected: (code: string) => void, bucket = eventBucket(limits)): void {
  socket.use((packet, next) => {
    const waitMs = bucket.take(performance.now());
    if (waitMs === 0) return next();
    const retryAfter = Math.ceil(waitMs / 1000);
    const { ack } = splitAck(packet.slice(1), rejected);
    ack(fail("rate_limited", `This connection sent too many events; wait ${retryAfter} s before the next.`, { retryAfter }));
  });
}
