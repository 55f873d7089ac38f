import { Encoder, PacketType } from "socket.io-parser";
import type { ConnectionRefusal } from "../../shared/protocol.js";

/** The part of an Engine.IO connection a refusal needs. */
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
