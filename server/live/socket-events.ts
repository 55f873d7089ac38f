import type { Socket } from "socket.io";
import type { ErrorBody } from "../../shared/api.js";
import { TokenBucket } from "../../shared/token-bucket.js";
import type { Limits } from "../config.js";

/** An event's answer: every ack on both namespaces has this shape. */
export type AckResult = { ok: true } | { ok: false; error: ErrorBody };

export const fail = (code: string, message: string, details?: unknown): { ok: false; error: ErrorBody } => ({
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

/**
 * Every event a socket sends, on either namespace, takes a token from its own bucket
 * (SOCKET_EVENT_BURST at once, then SOCKET_EVENTS_PER_MINUTE): past it, the event is answered
 * `rate_limited` and does no work.
 */
export function limitEvents(socket: Socket<any, any>, limits: EventLimits, rejected: (code: string) => void): void {
  const bucket = new TokenBucket(limits.socketEventBurst, limits.socketEventsPerMinute, performance.now());
  socket.use((packet, next) => {
    const waitMs = bucket.take(performance.now());
    if (waitMs === 0) return next();
    const retryAfter = Math.ceil(waitMs / 1000);
    const { ack } = splitAck(packet.slice(1), rejected);
    ack(fail("rate_limited", `This connection sent too many events; wait ${retryAfter} s before the next.`, { retryAfter }));
  });
}
