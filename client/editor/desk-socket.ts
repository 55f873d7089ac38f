import { io, type Socket } from "socket.io-client";
import type { DeskClientToServerEvents, DeskRefusal, DeskServerToClientEvents } from "../../shared/desk-protocol.js";
import { DESK_NAMESPACE } from "../../shared/protocol-version.js";

export type DeskSocket = Socket<DeskServerToClientEvents, DeskClientToServerEvents>;

/**
 * Opens the desk's live channel (`/desk`). A connection of its own, not multiplexed on the live
 * view's: the server judges the session cookie that the connection's handshake carried, and a
 * connection opened before signing in (or as somebody else) would carry the wrong one.
 */
export function connectDesk(): DeskSocket {
  return io(location.origin + DESK_NAMESPACE, { transports: ["websocket", "polling"], forceNew: true });
}

/** Why the desk's channel turned this desk away (signed out, session over…), from a `connect_error`. */
export function deskRefusalOf(error: Error): DeskRefusal | undefined {
  const data = (error as { data?: Partial<DeskRefusal> }).data;
  return typeof data?.code === "string" && typeof data.message === "string" ? (data as DeskRefusal) : undefined;
}
