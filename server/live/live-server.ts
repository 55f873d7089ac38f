import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, PatchMessage, ServerToClientEvents } from "../../shared/protocol.js";
import type { AudienceInterServerEvents } from "./audience/audience.js";

/** Between nodes (through the Redis Streams adapter): every committed version, once; each node's readers per story. */
export interface InterServerEvents extends AudienceInterServerEvents {
  version(patch: PatchMessage): void;
}

/** The Socket.IO server and socket with our events, shared by the hub, its backpressure and the handlers. */
export type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;
export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
