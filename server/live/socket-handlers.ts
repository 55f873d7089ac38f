import type { Logger } from "pino";
import { issuesOf, type ErrorBody } from "../../shared/api.js";
import { SUPPORTED_PROTOCOLS, SubscribeRequest, UnsubscribeRequest, roomOf, type Ack, type UnsubscribeAck } from "../../shared/protocol.js";
import type { LiveServer, LiveSocket, StoryHub } from "./story-hub.js";

/** Stories one socket may follow at once; a page shows one story, a dashboard a handful. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 50;

const fail = (code: string, message: string, details?: unknown): Ack => ({
  ok: false,
  error: { code, message, ...(details === undefined ? {} : { details }) } satisfies ErrorBody,
});

/** Wires DESIGN.md §4's events to the hub, validating every payload before it reaches it. */
export function registerSocketHandlers(io: LiveServer, hub: StoryHub, log: Logger): void {
  io.on("connection", (socket: LiveSocket) => {
    socket.on("subscribe", async (...args: unknown[]) => {
      const { payload, ack } = splitAck<Ack>(args);
      try {
        ack(await subscribe(socket, hub, payload));
      } catch (error) {
        log.error({ err: error, storyId: (payload as { storyId?: unknown })?.storyId }, "subscribe failed");
        ack(fail("internal_error", "The server could not subscribe you; retry shortly."));
      }
    });

    socket.on("unsubscribe", (...args: unknown[]) => {
      const { payload, ack } = splitAck<UnsubscribeAck>(args);
      const request = UnsubscribeRequest.safeParse(payload);
      if (!request.success) return ack(fail("bad_request", "unsubscribe needs {storyId}."));
      hub.unsubscribe(socket, request.data.storyId);
      ack({ ok: true });
    });
  });
}

/**
 * Socket.IO passes the ack as the last argument, so an event sent with an ack but no payload
 * arrives as (ack). Anything may arrive from the wire; a missing ack is replaced by a no-op.
 */
function splitAck<T>(args: unknown[]): { payload: unknown; ack: (result: T) => void } {
  const last = args.at(-1);
  if (typeof last !== "function") return { payload: args[0], ack: () => {} };
  return { payload: args.length > 1 ? args[0] : undefined, ack: last as (result: T) => void };
}

async function subscribe(socket: LiveSocket, hub: StoryHub, payload: unknown): Promise<Ack> {
  const request = SubscribeRequest.safeParse(payload);
  if (!request.success) {
    return fail("bad_request", "subscribe needs {storyId, version?, protocol?} with a valid story id and a positive integer version.", {
      issues: issuesOf(request.error),
    });
  }
  const { storyId, version, protocol } = request.data;
  if (protocol !== undefined && !SUPPORTED_PROTOCOLS.includes(protocol)) {
    return fail("protocol_unsupported", `This server speaks protocol ${SUPPORTED_PROTOCOLS.join(", ")}; reload the page to get a current client.`);
  }
  const following = socket.rooms.size - 1; // every socket is also in its own room
  if (following >= MAX_SUBSCRIPTIONS_PER_SOCKET && !socket.rooms.has(roomOf(storyId))) {
    return fail("too_many_subscriptions", `One connection may follow at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} stories.`);
  }
  const current = await hub.subscribe(socket, storyId, version);
  if (current === undefined) return fail("story_not_found", `No story "${storyId}".`);
  return { ok: true, version: current };
}
