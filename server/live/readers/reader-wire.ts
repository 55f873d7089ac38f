import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { Encoder, PacketType } from "socket.io-parser";
import * as ws from "ws";
import type { ConnectionRefusal } from "../../../shared/protocol.js";

/**
 * A reader's connection as the live side sees it: all it needs of engine.io and ws. This file is
 * the only one that knows their internals (engine.io keeps them private, and `"socket.io"` is
 * pinned in package.json to the versions whose internals are read here); everything else, and
 * every unit test's fake, works through these members.
 */
export interface ReaderWire {
  /** Queues one pre-framed message behind whatever the reader was sent before. */
  send(frame: Frame): void;
  /** Bytes sent to the reader that it has not taken yet (engine.io's queue and its WebSocket's). */
  queuedBytes(): number;
  /** Calls `listener` each time some of the queue went out, until the returned function is called. */
  onDrained(listener: () => void): () => void;
  /**
   * Closes at once, its queue discarded: engine.io's close drops the queue (and disconnects the
   * socket there and then), and the TCP socket under a WebSocket is destroyed rather than given
   * 30 s to answer a close frame stuck behind everything else. The client sees its transport
   * close, so it reconnects and catches up from its version.
   */
  terminate(): void;
}

/**
 * A Socket.IO packet (as its encoder wrote it) framed once as an Engine.IO message in one
 * WebSocket frame, the way Socket.IO's adapter frames a room broadcast, so that each reader costs
 * one write of shared bytes.
 */
export interface Frame {
  readonly text: string;
  /**
   * The WebSocket frame as one buffer, header and payload together: `ws` writes a one-buffer frame
   * with one write(2), where a header and payload apart take a corked writev per reader, which
   * costs the kernel more (bench scenario 1: server CPU per update 1.54× raw `ws` before, 1.38× after).
   */
  readonly frame: [Buffer];
}

/** `ws` exports its frame builder (Socket.IO's adapter uses it) without typings for it. */
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[] } };

export function frameOf(text: string): Frame {
  // "4" is Engine.IO's message type; a server's frames are not masked, nor compressed (rsv1).
  const frame = Sender.frame(Buffer.from(`4${text}`), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false });
  return { text, frame: [Buffer.concat(frame)] };
}

/**
 * engine.io's Socket (`socket.conn`) with what its typings keep private. Packets wait in
 * `writeBuffer` while the transport is busy with the previous batch: under the websocket transport
 * that batch sits in `ws`, whose `bufferedAmount` counts what the TCP socket has not taken.
 */
interface EngineSocket extends EventEmitter {
  readonly readyState: string;
  readonly writeBuffer?: ReadonlyArray<{ readonly data?: { readonly length: number } }>;
  readonly transport: EventEmitter & { readonly name: string; readonly writable: boolean; readonly perMessageDeflate?: unknown; readonly socket?: TransportWebSocket };
  write(data: string, options: { wsPreEncodedFrame: Buffer[] }): void;
  close(discard?: boolean): void;
}

/**
 * The `ws` socket under engine.io's websocket transport. `_sender.sendFrame` is how engine.io itself
 * writes a pre-framed packet (transports/websocket.js), and `_socket` is the TCP socket under it.
 */
interface TransportWebSocket extends EventEmitter {
  readonly bufferedAmount: number;
  readonly extensions: string;
  readonly _sender?: { sendFrame(frame: Buffer[]): void; constructor: unknown };
  readonly _socket?: EventEmitter;
  terminate(): void;
}

/** Frames written straight to a reader's `ws` socket, and those handed to engine.io: GET /metrics. */
export interface FrameCounts {
  direct: number;
  viaEngine: number;
}

/**
 * What is wrong with a websocket transport for the direct path, or undefined when it is as this
 * file expects: the frame must be written by the `ws` that built it (one copy in node_modules), to
 * a socket without per-message deflate (app.ts turns it off; a compressed connection would need
 * its frames compressed), through the sender engine.io itself uses.
 */
function unexpected(conn: EngineSocket): string | undefined {
  if (!Array.isArray(conn.writeBuffer)) return "engine.io's Socket has no writeBuffer array";
  const transport = conn.transport;
  if (typeof transport?.name !== "string" || typeof transport.on !== "function") return "engine.io's Socket has no transport";
  if (transport.name !== "websocket") return undefined;
  const socket = transport.socket;
  if (!socket || typeof socket.terminate !== "function" || typeof socket.bufferedAmount !== "number") return "engine.io's websocket transport has no ws socket";
  if (typeof socket._sender?.sendFrame !== "function") return "ws's socket has no _sender.sendFrame";
  if (!(socket._socket instanceof EventEmitter)) return "ws's socket has no _socket";
  if (socket._sender.constructor !== Sender) return "engine.io's ws is another copy than the one that builds frames (deduplicate ws)";
  if (transport.perMessageDeflate || socket.extensions !== "") return "per-message deflate is on (app.ts must turn it off)";
  return undefined;
}

/**
 * Every reader's wire on this node. The first websocket connection is checked for the internals
 * the direct path reads; if any is not as expected (an engine.io or ws upgrade renamed one), that
 * is logged once and every frame goes through engine.io's public `write` with the pre-built frame,
 * as Socket.IO's own broadcasts do: slower, never wrong.
 */
export class ReaderWires {
  readonly counts: FrameCounts = { direct: 0, viaEngine: 0 };
  /** Undefined until a websocket transport has been checked. */
  #direct: boolean | undefined;
  readonly #wires = new WeakMap<object, ReaderWire>();

  constructor(private readonly log: Logger) {}

  /** Whether frames may be written straight to `ws` sockets, as far as checked. */
  get direct(): boolean {
    return this.#direct !== false;
  }

  /** The wire of an engine.io connection (a Socket.IO socket's `conn`). */
  of(connection: object): ReaderWire {
    let wire = this.#wires.get(connection);
    if (!wire) this.#wires.set(connection, (wire = this.#wire(connection as EngineSocket)));
    return wire;
  }

  /** Whether the direct path may be taken: decided at the first websocket transport seen, and logged once if not. */
  #mayWriteDirectly(conn: EngineSocket): boolean {
    if (this.#direct !== undefined) return this.#direct;
    const problem = unexpected(conn);
    if (problem) {
      this.#direct = false;
      this.log.error({ problem }, "engine.io's internals are not as this version expects: fan-outs go through engine.io's public write, and slow readers' queues may read as empty");
    } else if (conn.transport.name === "websocket") this.#direct = true;
    return this.#direct === true;
  }

  #wire(conn: EngineSocket): ReaderWire {
    this.#mayWriteDirectly(conn);
    return new EngineWire(conn, this.counts, () => this.#mayWriteDirectly(conn));
  }
}

/** One reader's wire: a class, not closures, as there is one per reader (10k on a node is ordinary). */
class EngineWire implements ReaderWire {
  /**
   * What was counted of the current write buffer: engine.io only appends to one and swaps in a new
   * array when it flushes, so a queue that stays behind is not summed again at every fan-out.
   */
  #tallied?: { buffer: object; packets: number; bytes: number };

  constructor(
    private readonly conn: EngineSocket,
    private readonly counts: FrameCounts,
    private readonly direct: () => boolean,
  ) {}

  send(frame: Frame): void {
    const { conn } = this;
    const { transport } = conn;
    if (transport.name === "websocket" && conn.readyState === "open" && transport.writable && conn.writeBuffer?.length === 0 && this.direct()) {
      // The bytes and their order are what engine.io would write, without the packet object,
      // five events and the send callback it spends on every socket (most of Socket.IO's cost
      // per reader in a broadcast; bench scenario 1).
      transport.socket!._sender!.sendFrame(frame.frame);
      this.counts.direct++;
    } else {
      // Polling, an upgrade under way, packets queued before this one: behind what engine.io holds.
      conn.write(frame.text, { wsPreEncodedFrame: frame.frame });
      this.counts.viaEngine++;
    }
  }

  queuedBytes(): number {
    const buffer = this.conn.writeBuffer ?? [];
    let tallied = this.#tallied;
    if (tallied?.buffer !== buffer) this.#tallied = tallied = { buffer, packets: 0, bytes: 0 };
    // Characters of its text packets, which are JSON: bytes, near enough.
    for (; tallied.packets < buffer.length; tallied.packets++) tallied.bytes += 1 + (buffer[tallied.packets]!.data?.length ?? 0);
    return tallied.bytes + (this.#websocket()?.bufferedAmount ?? 0);
  }

  onDrained(listener: () => void): () => void {
    // The transport says "drain" each time it has written a batch of engine.io's out (the
    // websocket transport when the TCP socket took the batch's last frame, polling when a
    // poll's answer went out), and the TCP socket under a WebSocket says "drain" when it has
    // written out the frames written to it directly. The transport changes when a polling client upgrades.
    const { conn } = this;
    let transport = conn.transport;
    let tcp = this.#websocket()?._socket;
    const listen = () => {
      transport.on("drain", listener);
      tcp?.on("drain", listener);
    };
    const unlisten = () => {
      transport.off("drain", listener);
      tcp?.off("drain", listener);
    };
    const upgraded = () => {
      unlisten();
      transport = conn.transport;
      tcp = this.#websocket()?._socket;
      listen();
      listener();
    };
    listen();
    conn.on("upgrade", upgraded);
    return () => {
      unlisten();
      conn.off("upgrade", upgraded);
    };
  }

  terminate(): void {
    const socket = this.#websocket();
    this.conn.close(true);
    if (typeof socket?.terminate === "function") socket.terminate();
  }

  #websocket(): TransportWebSocket | undefined {
    return this.conn.transport.name === "websocket" ? this.conn.transport.socket : undefined;
  }
}

/** The part of an Engine.IO connection a refusal needs (public API). */
export interface RefusableConnection {
  send(data: string): unknown;
  /** Closes once what was sent has been flushed, or at once with `discard`. */
  close(discard?: boolean): unknown;
  once(event: "close", listener: () => void): unknown;
}

const encoder = new Encoder();
/**
 * How long a refused polling client has to fetch its refusal. A polling connection flushes only
 * when the client polls; one that never does would otherwise be held until the heartbeat gives
 * up on it (45 s), uncounted by MAX_SOCKETS_PER_IP. A real client polls within milliseconds.
 */
const FETCH_REFUSAL_MS = 5_000;

/**
 * Turns a new connection away with a reason every Socket.IO client can read: the default
 * namespace's CONNECT_ERROR, which socket.io-client raises as `connect_error` with `data`, over
 * WebSocket and polling alike and from any origin. (Refusing in `allowRequest` instead answers the
 * HTTP request with engine.io's `{"code":4,"message":…}`, which a browser's WebSocket never shows
 * and a cross-origin poll cannot read: the client only learns "websocket error".) The connection
 * is closed as soon as the refusal is out, so a refused client holds nothing; and the client
 * gives up rather than reconnecting, as it does for any refusal.
 */
export function refuseConnection(connection: RefusableConnection, refusal: ConnectionRefusal): void {
  const [packet] = encoder.encode({ type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: refusal.message, data: refusal } });
  connection.send(packet as string);
  connection.close();
  const deadline = setTimeout(() => connection.close(true), FETCH_REFUSAL_MS);
  connection.once("close", () => clearTimeout(deadline));
}

/**
 * Lets go of a reader's HTTP upgrade request once its connection is open. Socket.IO's memory
 * guide says to drop `request` from the Engine.IO socket; engine.io 6.6 also keeps the request in
 * the response object its upgrade path hands to middlewares, which a listener on the TCP socket
 * holds until the socket closes. So the request's headers (with a browser's cookies and user agent,
 * most of its weight) are emptied too: nothing reads them after the handshake, whose Origin check
 * has run by then, and the desk's namespace has kept the credentials it needs (live/desk/desk-channel.ts).
 */
export function releaseUpgradeRequest(connection: { request: IncomingMessage | null }): void {
  const request = connection.request;
  connection.request = null;
  if (!request) return;
  request.headers = {};
  request.rawHeaders = [];
}
