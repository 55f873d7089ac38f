import type { Logger } from "pino";
import { issuesOf } from "../../shared/api.js";
import { HandshakeAuth, SUPPORTED_PROTOCOLS, SubscribeRequest, UnsubscribeRequest, type Ack, type UnsubscribeAck } from "../../shared/protocol.js";
import type { ViewName } from "../../shared/view-names.js";
import type { TokenBucket } from "../../shared/token-bucket.js";
import type { Limits } from "../config.js";
import type { LiveServer, LiveSocket } from "./live-server.js";
import { ReaderSession } from "./readers/reader-session.js";
import type { ReaderWires } from "./readers/reader-wire.js";
import { eventBucket, fail, limitEvents, splitAck } from "./socket-events.js";
import { rateLimited, type SocketsPerAddress } from "./sockets-per-address.js";
import type { StoryHub } from "./story-hub.js";

export type SocketLimits = Pick<Limits, "subscriptionsPerSocket" | "socketEventBurst" | "socketEventsPerMinute">;

/**
 * Wires DESIGN.md §4's events to the hub, validating every payload before it reaches it. Each
 * connection gets its ReaderSession (live/readers/reader-session.ts), returned by the function this
 * returns, whose subscriptions are tracked synchronously, so the per-socket cap (MAX_SUBSCRIPTIONS_PER_SOCKET:
 * a page shows one story, a dashboard a handful) holds under parallel subscribes, and an
 * unsubscribe that overtakes a loading subscribe wins.
 *
 * A reader may also subscribe in its handshake (`auth: {stories: [{id, version?, view?}]}`): a page that
 * came with the current version then joins with no round trip and is sent nothing. A handshake
 * that fails validation refuses the connection (`connect_error` with `data: {code, message}`);
 * a story in it that does not exist is passed over.
 *
 * Every event takes a token from the socket's bucket (live/socket-events.ts), so one connection
 * cannot keep the server rebuilding old versions for it; a handshake's stories take one each from
 * it too, as the subscribes they stand for would (DESIGN.md §4: "charged to the same limits").
 * Every subscription, in a handshake or not, also takes one from its address's budget
 * (live/sockets-per-address.ts), so that fresh connections, each with a full bucket, do not
 * multiply what one address may ask. A handshake over that budget refuses the connection
 * (`rate_limited`, with `details.retryAfter`) rather than leave the reader silently without updates.
 */
export function registerSocketHandlers(
  io: LiveServer,
  hub: StoryHub,
  log: Logger,
  limits: SocketLimits,
  rejected: (code: string) => void,
  addresses: Pick<SocketsPerAddress, "subscriptions" | "addressOf">,
  wires: ReaderWires,
): (socket: LiveSocket) => ReaderSession | undefined {
  const maxSubscriptions = limits.subscriptionsPerSocket;
  /** Each socket's bucket of events, from its handshake on. */
  const buckets = new WeakMap<LiveSocket, TokenBucket>();
  const sessions = new WeakMap<LiveSocket, ReaderSession>();
  const refuse = (next: (error: Error) => void, error: { code: string; message: string }) => {
    rejected(error.code);
    next(Object.assign(new Error(error.message), { data: error }));
  };
  io.use((socket, next) => {
    const auth = parseHandshake(socket.handshake.auth, maxSubscriptions);
    if (!auth.ok) return refuse(next, auth.error);
    const waitMs = addresses.subscriptions(socket.conn, auth.stories);
    if (waitMs > 0) return refuse(next, rateLimited(waitMs, "subscriptions"));
    const bucket = eventBucket(limits);
    bucket.take(performance.now(), auth.stories);
    buckets.set(socket, bucket);
    next();
  });

  io.on("connection", (socket: LiveSocket) => {
    const session = new ReaderSession(socket.id, wires.of(socket.conn), addresses.addressOf(socket.conn), () => socket.connected);
    sessions.set(socket, session);
    socket.once("disconnect", () => hub.disconnected(session));
    /** Whether the subscribe that set `token` is still the story's latest (no later subscribe or unsubscribe). */
    const current = (storyId: string, token: symbol) => session.stories.get(storyId)?.token === token;

    const follow = async (storyId: string, version: number | undefined, view: ViewName): Promise<Ack> => {
      const following = session.stories.get(storyId);
      if (!following && session.stories.size >= maxSubscriptions) {
        return fail("too_many_subscriptions", `One connection may follow at most ${maxSubscriptions} stories.`);
      }
      const token = Symbol(storyId);
      // The view changes once the join is done (live/fan-out.ts moves the reader between shards).
      if (following) following.token = token;
      else session.stories.set(storyId, { token, view });
      try {
        const result = await hub.subscribe(session, storyId, version, () => current(storyId, token), view);
        if (result === "not_found") {
          if (current(storyId, token)) hub.unsubscribe(session, storyId);
          return fail("story_not_found", `No story "${storyId}".`);
        }
        if (result === "cancelled") return fail("cancelled", "This subscribe was overtaken by a later subscribe or unsubscribe.");
        return { ok: true, version: result };
      } catch (error) {
        if (current(storyId, token)) hub.unsubscribe(session, storyId);
        log.error({ err: error, storyId }, "subscribe failed");
        return fail("internal_error", "The server could not subscribe you; retry shortly.");
      }
    };

    limitEvents(socket, limits, rejected, buckets.get(socket));

    for (const { id, version, view = "full" } of (socket.handshake.auth as HandshakeAuth).stories ?? []) {
      void follow(id, version, view).then((result) => result.ok || rejected(result.error.code));
    }

    socket.on("subscribe", async (...args: unknown[]) => {
      const { payload, ack } = splitAck<Ack>(args, rejected);
      const request = parseSubscribe(payload);
      if (!request.ok) return ack(request);
      const waitMs = addresses.subscriptions(socket.conn, 1);
      if (waitMs > 0) return ack({ ok: false, error: rateLimited(waitMs, "subscriptions") });
      ack(await follow(request.storyId, request.version, request.view));
    });

    socket.on("unsubscribe", (...args: unknown[]) => {
      const { payload, ack } = splitAck<UnsubscribeAck>(args, rejected);
      const request = UnsubscribeRequest.safeParse(payload);
      if (!request.success) return ack(fail("bad_request", "unsubscribe needs {storyId}."));
      hub.unsubscribe(session, request.data.storyId);
      ack({ ok: true });
    });
  });
  return (socket) => sessions.get(socket);
}

/** The protocol is checked first and loosely: a newer client's payload may not match this server's schema, and it must hear "protocol_unsupported". */
function unsupported(payload: unknown): Extract<Ack, { ok: false }> | undefined {
  const protocol = (payload as { protocol?: unknown } | null)?.protocol;
  if (protocol === undefined || SUPPORTED_PROTOCOLS.includes(protocol as number)) return undefined;
  return fail("protocol_unsupported", `This server speaks protocol ${SUPPORTED_PROTOCOLS.join(", ")}; reload the page to get a current client.`);
}

/** Validates a subscribe. */
function parseSubscribe(payload: unknown): { ok: true; storyId: string; version?: number; view: ViewName } | Extract<Ack, { ok: false }> {
  const old = unsupported(payload);
  if (old) return old;
  const request = SubscribeRequest.safeParse(payload);
  if (!request.success) {
    return fail("bad_request", 'subscribe needs {storyId, version?, protocol?, view?} with a valid story id, a positive integer version and a view of "full" or "latest".', {
      issues: issuesOf(request.error),
    });
  }
  const { storyId, version, view = "full" } = request.data;
  return { ok: true, storyId, view, ...(version === undefined ? {} : { version }) };
}

/** Validates a handshake's `auth` (Socket.IO makes a missing one `{}`). */
function parseHandshake(auth: unknown, maxSubscriptions: number): { ok: true; stories: number } | Extract<Ack, { ok: false }> {
  const old = unsupported(auth);
  if (old) return old;
  const parsed = HandshakeAuth.safeParse(auth);
  if (!parsed.success) {
    return fail("bad_request", 'The handshake\'s auth must be {stories?: [{id, version?, view?}], protocol?} with valid story ids, positive integer versions and views of "full" or "latest".', {
      issues: issuesOf(parsed.error),
    });
  }
  const stories = parsed.data.stories ?? [];
  if (stories.length > maxSubscriptions) return fail("too_many_subscriptions", `One connection may follow at most ${maxSubscriptions} stories.`);
  if (new Set(stories.map((story) => story.id)).size !== stories.length) return fail("bad_request", "The handshake names a story twice.");
  return { ok: true, stories: stories.length };
}
