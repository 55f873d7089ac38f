import type { Logger } from "pino";
import type { PatchMessage } from "../../shared/protocol.js";
import type { Metrics } from "../metrics.js";
import { connectionOf, type Connection } from "./engine-connection.js";
import type { LiveServer, LiveSocket } from "./live-server.js";

/**
 * Bytes a reader's outgoing queue may hold before fan-outs pass it by: hundreds of patches or a
 * few snapshots of a big story. A reader on a working connection empties far less than that
 * between two versions; one that holds more is asleep, stalled or on a very slow link.
 */
export const SOCKET_QUEUE_LIMIT = 1024 * 1024;
/**
 * Bytes the queues of all readers on this node may hold together (each socket's counted in full,
 * though a broadcast's text is shared). Past it the laggiest readers are disconnected, which frees
 * their queues at once; they reconnect and catch up like any reconnecting reader.
 */
export const TOTAL_QUEUE_LIMIT = 256 * 1024 * 1024;

/** How often an address that seems past MAX_QUEUED_BYTES_PER_IP may have every lagging queue measured again. */
const REMEASURE_MS = 250;

export interface QueueLimits {
  socketBytes: number;
  totalBytes: number;
  /** MAX_QUEUED_BYTES_PER_IP: the queues of one client address's sockets together; unbounded when absent. */
  addressBytes?: number;
}

/**
 * What was counted of each write buffer: engine.io only appends to one and swaps in a new array
 * when it flushes, so a queue that stays behind is not summed again at every fan-out.
 */
const tallies = new WeakMap<object, { packets: number; bytes: number }>();

/** Bytes waiting for `conn` (characters of its text packets, which are JSON: bytes, near enough). */
function queuedBytes(conn: Connection): number {
  const buffer = conn.writeBuffer;
  let tally = tallies.get(buffer);
  if (!tally) tallies.set(buffer, (tally = { packets: 0, bytes: 0 }));
  for (; tally.packets < buffer.length; tally.packets++) tally.bytes += 1 + (buffer[tally.packets]!.data?.length ?? 0);
  const inTransport = conn.transport.name === "websocket" ? (conn.transport.socket?.bufferedAmount ?? 0) : 0;
  return tally.bytes + inTransport;
}

/** A reader set aside: the version it has of each story it is behind on, and how it is watched until it drains. */
interface Behind {
  versions: Map<string, number>;
  unwatch?: () => void;
}

/**
 * Per-socket backpressure for the hub's fan-outs and join answers, so that slow and dead readers
 * never slow the rest nor fill the memory. Before a patch goes to a shard room, each socket in it
 * whose queue is past the bound, or whose address's queues together are past theirs, is taken out
 * of the room (it stays in the story's room: it still follows) and remembered with the version it
 * has; a joining reader's snapshot or catch-up is held back the same way (a reader that subscribes
 * to many stories and stops reading would otherwise queue each one). When its transport has
 * written out all but a quarter of the bound (hysteresis, so that a reader near the bound does not
 * flap), the hub brings it level with one catch-up and puts it back in a shard room (`onDrained`).
 */
export class Backpressure {
  /** The version each reader had of each story when it (re)joined the story's broadcasts. */
  readonly #joined = new WeakMap<LiveSocket, Map<string, number>>();
  readonly #behind = new Map<LiveSocket, Behind>();
  /** Sockets last seen with something queued, and how much. */
  readonly #lagging = new Map<LiveSocket, number>();
  #queued = 0;
  /** Bytes queued for the lagging sockets of each client address. */
  readonly #byAddress = new Map<string, number>();
  #remeasuredAt = -Infinity;

  /** `onDrained` gets version 0 for a reader that had none of the story (it joined without a version). */
  constructor(
    io: LiveServer,
    private readonly limits: QueueLimits,
    private readonly onDrained: (socket: LiveSocket, storyId: string, version: number) => void,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly addressOf: (socket: LiveSocket) => string | undefined = () => undefined,
  ) {
    io.on("connection", (socket) => socket.once("disconnect", () => this.#forget(socket)));
  }

  /** Bytes queued for the lagging sockets, as last measured. */
  get queued(): number {
    return this.#queued;
  }

  /** `socket` now has `version` of the story and is in one of its shard rooms. */
  joined(socket: LiveSocket, storyId: string, version: number): void {
    let versions = this.#joined.get(socket);
    if (!versions) this.#joined.set(socket, (versions = new Map()));
    versions.set(storyId, version);
    this.#caughtUp(socket, storyId);
  }

  left(socket: LiveSocket, storyId: string): void {
    this.#joined.get(socket)?.delete(storyId);
    this.#caughtUp(socket, storyId);
  }

  /** Whether `socket` still waits to be brought level with the story from `version` (no unsubscribe or subscribe came first). */
  awaits(socket: LiveSocket, storyId: string, version: number): boolean {
    return socket.connected && this.#behind.get(socket)?.versions.get(storyId) === version;
  }

  /**
   * Whether `message`, going to the shard `room`, may be sent to `socket`; one whose queue is past
   * the bound is set aside instead. A reader that keeps up has nothing in engine.io's write buffer
   * nor in its `ws` socket (its frames went straight to the kernel), so only one with bytes
   * waiting, or last seen lagging (to clear its tally), is measured: the total held for all sockets
   * is known at every fan-out.
   */
  admits(socket: LiveSocket, room: string, message: PatchMessage): boolean {
    const conn = connectionOf(socket);
    if (conn.writeBuffer.length === 0 && !this.#lagging.has(socket) && !(conn.transport.socket?.bufferedAmount)) return true;
    if (this.#fits(socket)) return true;
    // It has been sent every patch up to `message.from`, unless it joined while `message` was
    // going out, in which case it was given a later version: the larger of the two is what it has.
    this.#setAside(socket, room, message.storyId, Math.max(this.#joined.get(socket)?.get(message.storyId) ?? 0, message.from));
    return false;
  }

  /**
   * Whether a joining reader's answer may be queued for it now. If not, it is set aside in the
   * story (out of `room`, its shard room) with `version`, what it holds (0 for nothing), and is
   * brought level once it drains; a reader that never reads is never sent more.
   */
  admitsJoin(socket: LiveSocket, room: string, storyId: string, version: number | undefined): boolean {
    if (this.#fits(socket)) return true;
    this.#setAside(socket, room, storyId, version ?? 0);
    return false;
  }

  /** After a join answer was queued: counted like a fan-out's frames, and past the cap on all queues the laggiest go. */
  sent(socket: LiveSocket): void {
    this.#measure(socket);
    this.settle();
  }

  /** After a room's sends: past the cap on all queues together, the laggiest readers are disconnected. */
  settle(): void {
    if (this.#queued > this.limits.totalBytes) this.#shed();
  }

  /**
   * Whether the socket's queue, and its address's queues together, are within their bounds
   * (measuring the socket's). Other sockets' counts are as last measured, and some have drained
   * since without a fan-out to look again: an address that seems past its bound has every lagging
   * queue measured again first, at most every REMEASURE_MS, so that readers behind one NAT address
   * are not held back by bytes long gone.
   */
  #fits(socket: LiveSocket): boolean {
    if (this.#measure(socket) > this.limits.socketBytes) return false;
    const address = this.limits.addressBytes === undefined ? undefined : this.addressOf(socket);
    if (address === undefined) return true;
    const over = () => (this.#byAddress.get(address) ?? 0) > this.limits.addressBytes!;
    if (over() && performance.now() - this.#remeasuredAt >= REMEASURE_MS) {
      this.#remeasuredAt = performance.now();
      for (const lagging of [...this.#lagging.keys()]) this.#measure(lagging);
    }
    return !over();
  }

  #measure(socket: LiveSocket): number {
    const bytes = queuedBytes(connectionOf(socket));
    this.#count(socket, bytes - (this.#lagging.get(socket) ?? 0));
    if (bytes > 0) this.#lagging.set(socket, bytes);
    else this.#lagging.delete(socket);
    return bytes;
  }

  /** Adds `delta` bytes to the total and to the socket's address. */
  #count(socket: LiveSocket, delta: number): void {
    if (delta === 0) return;
    this.#queued += delta;
    const address = this.limits.addressBytes === undefined ? undefined : this.addressOf(socket);
    if (address === undefined) return;
    const bytes = (this.#byAddress.get(address) ?? 0) + delta;
    if (bytes > 0) this.#byAddress.set(address, bytes);
    else this.#byAddress.delete(address);
  }

  #setAside(socket: LiveSocket, room: string, storyId: string, version: number): void {
    socket.leave(room);
    let behind = this.#behind.get(socket);
    if (!behind) this.#behind.set(socket, (behind = { versions: new Map() }));
    behind.unwatch ??= this.#watch(socket);
    behind.versions.set(storyId, version);
    this.metrics.readersBehind.inc();
  }

  /**
   * Waits for the socket's queue to go down: its transport says "drain" each time it has written a
   * batch of engine.io's out (the websocket transport when the TCP socket took the batch's last
   * frame, polling when a poll's answer went out), and the TCP socket under a WebSocket says
   * "drain" when it has written out the frames the fan-out wrote to it directly. The transport
   * changes when a polling client upgrades.
   */
  #watch(socket: LiveSocket): () => void {
    const conn = connectionOf(socket);
    let transport = conn.transport;
    let tcp = transport.socket?._socket;
    const check = () => {
      if (this.#measure(socket) <= this.limits.socketBytes / 4) this.#drained(socket);
    };
    const listen = () => {
      transport.on("drain", check);
      tcp?.on("drain", check);
    };
    const unlisten = () => {
      transport.off("drain", check);
      tcp?.off("drain", check);
    };
    const upgraded = () => {
      unlisten();
      transport = conn.transport;
      tcp = transport.socket?._socket;
      listen();
      check();
    };
    listen();
    conn.on("upgrade", upgraded);
    return () => {
      unlisten();
      conn.off("upgrade", upgraded);
    };
  }

  /** The versions stay recorded until the hub's catch-up joins (or a subscribe or unsubscribe overtakes it). */
  #drained(socket: LiveSocket): void {
    const behind = this.#behind.get(socket);
    if (!behind) return;
    behind.unwatch?.();
    delete behind.unwatch;
    for (const [storyId, version] of behind.versions) this.onDrained(socket, storyId, version);
  }

  #caughtUp(socket: LiveSocket, storyId: string): void {
    const behind = this.#behind.get(socket);
    if (!behind?.versions.delete(storyId) || behind.versions.size > 0) return;
    behind.unwatch?.();
    this.#behind.delete(socket);
  }

  /** Over the cap: look again at every lagging queue (some have drained since), then disconnect the largest until under it. */
  #shed(): void {
    for (const socket of [...this.#lagging.keys()]) this.#measure(socket);
    const laggiest = [...this.#lagging].sort((a, b) => b[1] - a[1]);
    for (const [socket, bytes] of laggiest) {
      if (this.#queued <= this.limits.totalBytes) return;
      this.#forget(socket);
      this.metrics.readersDropped.inc();
      this.log.warn({ socketId: socket.id, queuedBytes: bytes, totalQueuedBytes: this.#queued }, "disconnected a reader: outgoing queues past the memory cap");
      disconnectNow(socket);
    }
  }

  #forget(socket: LiveSocket): void {
    this.#behind.get(socket)?.unwatch?.();
    this.#behind.delete(socket);
    this.#count(socket, -(this.#lagging.get(socket) ?? 0));
    this.#lagging.delete(socket);
  }
}

/**
 * Closes the connection without waiting for its queue to go out: engine.io's close discards the
 * queue (and disconnects the socket there and then), and the TCP socket under a WebSocket is
 * destroyed rather than given 30 s to answer a close frame stuck behind everything else. The
 * client sees its transport close, so it reconnects and catches up from its version.
 */
export function disconnectNow(socket: LiveSocket): void {
  const conn = connectionOf(socket);
  const ws = conn.transport.name === "websocket" ? conn.transport.socket : undefined;
  conn.close(true);
  ws?.terminate();
}
