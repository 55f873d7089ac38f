import type { Logger } from "pino";
import { issuesOf } from "../../shared/api.js";
import { SUPPORTED_PROTOCOLS, SubscribeRequest, UnsubscribeRequest, type Ack, type UnsubscribeAck } from "../../shared/protocol.js";
import type { ViewName } from "../../shared/view-names.js";
import type { Limits } from "../config.js";
import type { LiveServer, LiveSocket } from "./live-server.js";
import { fail, limitEvents, splitAck } from "./socket-events.js";
import type { StoryHub } from "./story-hub.js";

export type SocketLimits = Pick<Limits, "subscriptionsPerSocket" | "socketEventBurst" | "socketEventsPerMinute">;

/**
 * Wires DESIGN.md §4's events to the hub, validating every payload before it reaches it. Each
 * socket's subscriptions are tracked synchronously, so the per-socket cap (MAX_SUBSCRIPTIONS_PER_SOCKET:
 * a page shows one story, a dashboard a handful) holds under parallel subscribes, and an
 * unsubscribe that overtakes a loading subscribe wins.
 *
 * Every event takes a token from the socket's bucket (live/socket-events.ts), so one connection
 * cannot keep the server rebuilding old versions for it.
 */
export function registerSocketHandlers(io: LiveServer, hub: StoryHub, log: Logger, limits: SocketLimits, rejected: (code: string) => void): void {
  const maxSubscriptions = limits.subscriptionsPerSocket;
  io.on("connection", (socket: LiveSocket) => {
    /** Story id → the token of its latest subscribe; a stale token means "superseded". */
    const following = new Map<string, symbol>();

    limitEvents(socket, limits, rejected);

    socket.on("subscribe", async (...args: unknown[]) => {
      const { payload, ack } = splitAck<Ack>(args, rejected);
      const request = parseSubscribe(payload);
      if (!request.ok) return ack(request);
      const { storyId, version, view } = request;
      if (!following.has(storyId) && following.size >= maxSubscriptions) {
        return ack(fail("too_many_subscriptions", `One connection may follow at most ${maxSubscriptions} stories.`));
      }
      const token = Symbol(storyId);
      following.set(storyId, token);
      try {
        const result = await hub.subscribe(socket, storyId, version, () => following.get(storyId) === token, view);
        if (result === "not_found") {
          if (following.get(storyId) === token) following.delete(storyId);
          return ack(fail("story_not_found", `No story "${storyId}".`));
        }
        if (result === "cancelled") return ack(fail("cancelled", "This subscribe was overtaken by a later subscribe or unsubscribe."));
        ack({ ok: true, version: result });
      } catch (error) {
        if (following.get(storyId) === token) following.delete(storyId);
        log.error({ err: error, storyId }, "subscribe failed");
        ack(fail("internal_error", "The server could not subscribe you; retry shortly."));
      }
    });

    socket.on("unsubscribe", (...args: unknown[]) => {
      const { payload, ack } = splitAck<UnsubscribeAck>(args, rejected);
      const request = UnsubscribeRequest.safeParse(payload);
      if (!request.success) return ack(fail("bad_request", "unsubscribe needs {storyId}."));
      following.delete(request.data.storyId);
      hub.unsubscribe(socket, request.data.storyId);
      ack({ ok: true });
    });
  });
}

/**
 * Validates a subscribe. The protocol is checked first and loosely: a newer client's payload may
 * not match this server's schema, and it must hear "protocol_unsupported", not "bad_request".
 */
function parseSubscribe(payload: unknown): { ok: true; storyId: string; version?: number; view: ViewName } | Extract<Ack, { ok: false }> {
  const protocol = (payload as { protocol?: unknown } | null)?.protocol;
  if (protocol !== undefined && !SUPPORTED_PROTOCOLS.includes(protocol as number)) {
    return fail("protocol_unsupported", `This server speaks protocol ${SUPPORTED_PROTOCOLS.join(", ")}; reload the page to get a current client.`);
  }
  const request = SubscribeRequest.safeParse(payload);
  if (!request.success) {
    return fail("bad_request", 'subscribe needs {storyId, version?, protocol?, view?} with a valid story id, a positive integer version and a view of "full" or "latest".', {
      issues: issuesOf(request.error),
    });
  }
  const { storyId, version, view = "full" } = request.data;
  return { ok: true, storyId, view, ...(version === undefined ? {} : { version }) };
}
