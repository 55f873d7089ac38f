import type { EventEmitter } from "node:events";
import * as ws from "ws";
import type { LiveSocket } from "./live-server.js";

/**
 * What is read of engine.io's Socket (`socket.conn`), whose typings keep these private. Packets wait
 * in `writeBuffer` while the transport is busy with the previous batch: under the websocket
 * transport that batch sits in `ws`, whose `bufferedAmount` counts what the TCP socket has not taken.
 */
export interface Connection extends EventEmitter {
  readonly readyState: string;
  readonly writeBuffer: ReadonlyArray<{ readonly data?: { readonly length: number } }>;
  readonly transport: EventEmitter & { readonly name: string; readonly writable: boolean; readonly socket?: WebSocketOfTransport };
  write(data: string, options: { wsPreEncodedFrame: Buffer[] }): void;
  close(discard?: boolean): void;
}

/**
 * The `ws` socket under engine.io's websocket transport. `_sender.sendFrame` is how engine.io itself
 * writes a pre-framed packet (transports/websocket.js), and `_socket` is the TCP socket under it.
 */
interface WebSocketOfTransport extends EventEmitter {
  readonly bufferedAmount: number;
  readonly _sender?: { sendFrame(frame: Buffer[]): void };
  readonly _socket?: EventEmitter;
  terminate(): void;
}

export const connectionOf = (socket: LiveSocket) => socket.conn as unknown as Connection;

/**
 * A Socket.IO packet (as its encoder wrote it) framed once as an Engine.IO message in one
 * WebSocket frame, the way Socket.IO's adapter frames a room broadcast, so that each reader costs
 * one write of shared bytes.
 */
export interface FramedPacket {
  readonly text: string;
  readonly frame: Buffer[];
}

/** `ws` exports its frame builder (Socket.IO's adapter uses it) without typings for it. */
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[] } };

export function framePacket(text: string): FramedPacket {
  // "4" is Engine.IO's message type; a server's frames are not masked.
  const frame = Sender.frame(Buffer.from(`4${text}`), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false });
  return { text, frame };
}

/**
 * Sends `packet` to one reader. A reader on the websocket transport that has nothing waiting in
 * engine.io gets the frame written straight to its `ws` socket: the bytes and their order are what
 * engine.io would write, without the packet object, five events and the send callback engine.io
 * spends on every socket (most of Socket.IO's cost per reader in a broadcast; bench scenario 1).
 * Anything else (polling, an upgrade under way, packets queued before this one) goes through
 * engine.io, behind what it holds.
 */
export function sendFramed(conn: Connection, packet: FramedPacket): void {
  const { transport } = conn;
  const sender = transport.socket?._sender;
  if (sender && conn.readyState === "open" && transport.writable && conn.writeBuffer.length === 0) sender.sendFrame(packet.frame);
  else conn.write(packet.text, { wsPreEncodedFrame: packet.frame });
}
