import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import { StoryFollower } from "../../shared/follower.js";
import type { Ack, ClientToServerEvents, ConnectionRefusal, HandshakeStory, PatchMessage, ServerToClientEvents, SnapshotMessage } from "../../shared/protocol.js";
import { PROTOCOL_VERSION } from "../../shared/protocol-version.js";
import type { Snapshot } from "../../shared/story.js";
import type { ViewName } from "../../shared/view-names.js";

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface FollowOptions {
  /** A snapshot the page already has (server-rendered): the subscription catches up from its version. */
  initial?: Snapshot;
  /** The view to follow (DESIGN.md §4): "full" (the default) or "latest"; `initial` must be that view. */
  view?: ViewName;
  /** Every state the story passes through, in order; never a state the server did not have. */
  onChange?: (snapshot: Snapshot, via: "snapshot" | "patch") => void;
  /**
   * A subscribe the server refused (unknown story, bad request, protocol too old), or the
   * connection itself (`origin_not_allowed`, `too_many_connections`, `rate_limited`: see `refusalOf`).
   */
  onError?: (error: Extract<Ack, { ok: false }>["error"]) => void;
}

export interface StoryFollow {
  readonly follower: StoryFollower;
  stop(): void;
}

/**
 * The stories followed on a socket made by `connectLive`, with the version each holds (read as
 * each connection opens) and the view it reads, and those its latest handshake subscribed to.
 */
interface Handshake {
  follows: Map<string, { version: () => number | undefined; view: ViewName | undefined }>;
  subscribed: Set<string>;
}
const handshakes = new WeakMap<LiveSocket, Handshake>();

/**
 * Opens a Socket.IO connection to a live-ticker server (websocket first, polling as fallback).
 * Every time it connects, its handshake subscribes to the stories followed on it (`followStory`)
 * with the version each holds: a page that came with the current version joins with no round
 * trip and is sent nothing, and a reconnecting page gets one patch for what it missed.
 */
export function connectLive(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): LiveSocket {
  const handshake: Handshake = { follows: new Map(), subscribed: new Set() };
  const socket: LiveSocket = io(url, {
    transports: ["websocket", "polling"],
    ...options,
    auth: (send) => {
      const stories: HandshakeStory[] = [...handshake.follows].map(([id, { version, view }]) => ({
        id,
        ...(version() ? { version: version()! } : {}),
        ...(view && view !== "full" ? { view } : {}),
      }));
      handshake.subscribed = new Set(stories.map((story) => story.id));
      send({ protocol: PROTOCOL_VERSION, stories });
    },
  });
  handshakes.set(socket, handshake);
  return socket;
}

/**
 * The server's reason for turning a connection away, from a `connect_error`; undefined when the
 * connection failed for any other reason (network, server down), which Socket.IO retries itself.
 */
export function refusalOf(error: Error): ConnectionRefusal | undefined {
  const data = (error as { data?: unknown }).data as Partial<ConnectionRefusal> | null | undefined;
  if (typeof data?.code !== "string" || typeof data.message !== "string") return undefined;
  const retryAfter = Number(data.details?.retryAfter);
  return { code: data.code, message: data.message, ...(retryAfter > 0 ? { details: { retryAfter } } : {}) };
}

/** The longest a refused reader waits before trying again. */
const MAX_REFUSED_RETRY_MS = 5 * 60_000;

/**
 * How long to wait before connecting again after the `attempt`th refusal in a row (from 0): at
 * least what the server asked, else the slowest reconnection pace doubled at each refusal, with
 * up to as much again at random so that the readers refused together do not all come back together.
 */
export function refusedRetryMs(refusal: ConnectionRefusal, attempt: number, reconnectionDelayMax: number, random = Math.random()): number {
  const backoff = Math.min(MAX_REFUSED_RETRY_MS, reconnectionDelayMax * 2 ** Math.min(attempt, 16));
  return Math.max((refusal.details?.retryAfter ?? 0) * 1000, backoff) * (1 + random);
}

/**
 * Follows one story on a socket: subscribes (again after every reconnect) with the version it
 * has, applies patches strictly in order, and on a gap re-subscribes so the server sends the one
 * patch or snapshot that closes it.
 */
export function followStory(socket: LiveSocket, storyId: string, options: FollowOptions = {}): StoryFollow {
  const follower = new StoryFollower(storyId, options.initial);
  let resubscribing = false;
  let stopped = false;

  const subscribe = () => {
    if (resubscribing || stopped) return;
    resubscribing = true;
    const version = follower.version;
    const view = options.view && options.view !== "full" ? { view: options.view } : {};
    socket.emit("subscribe", { storyId, protocol: PROTOCOL_VERSION, ...(version ? { version } : {}), ...view }, (ack) => {
      resubscribing = false;
      if (ack.ok) return;
      // Past the server's per-socket event limit (never in ordinary use): try again when it says.
      if (ack.error.code === "rate_limited") {
        const retryAfter = Number((ack.error.details as { retryAfter?: unknown } | undefined)?.retryAfter) || 1;
        return void setTimeout(subscribe, retryAfter * 1000);
      }
      options.onError?.(ack.error);
    });
  };

  const onSnapshot = (message: SnapshotMessage) => {
    if (message.storyId !== storyId || stopped) return;
    if (follower.onSnapshot(message) === "applied") options.onChange?.(follower.snapshot!, "snapshot");
  };
  const onPatch = (message: PatchMessage) => {
    if (message.storyId !== storyId || stopped) return;
    const result = follower.onPatch(message);
    if (result === "applied") options.onChange?.(follower.snapshot!, "patch");
    else if (result === "gap") subscribe();
  };

  // A subscribe in flight when the connection drops never gets its ack; start afresh on reconnect,
  // unless the connection's handshake has subscribed already.
  const handshake = handshakes.get(socket);
  handshake?.follows.set(storyId, { version: () => follower.version, view: options.view });
  const onConnect = () => {
    resubscribing = false;
    refusals = 0;
    if (!handshake?.subscribed.has(storyId)) subscribe();
  };

  // Socket.IO does not retry a connection the server refused. A full or busy address may have room
  // again later (another tab closed, its rate refilled), so those refusals are retried, backing off
  // while they last; an origin the server does not serve never will be. Meanwhile the page keeps
  // showing what it has (the server-rendered story, or the last version it was sent).
  let retry: ReturnType<typeof setTimeout> | undefined;
  let refusals = 0;
  const onConnectError = (error: Error) => {
    const refusal = refusalOf(error);
    if (!refusal || stopped) return;
    options.onError?.(refusal);
    if ((refusal.code === "too_many_connections" || refusal.code === "rate_limited") && socket.io.reconnection()) {
      clearTimeout(retry);
      retry = setTimeout(() => stopped || socket.connect(), refusedRetryMs(refusal, refusals++, socket.io.reconnectionDelayMax()));
    }
  };

  socket.on("snapshot", onSnapshot);
  socket.on("patch", onPatch);
  socket.on("connect", onConnect);
  socket.on("connect_error", onConnectError);
  if (socket.connected) subscribe();

  return {
    follower,
    stop() {
      stopped = true;
      clearTimeout(retry);
      handshake?.follows.delete(storyId);
      socket.off("snapshot", onSnapshot);
      socket.off("patch", onPatch);
      socket.off("connect", onConnect);
      socket.off("connect_error", onConnectError);
      if (socket.connected) socket.emit("unsubscribe", { storyId });
    },
  };
}
