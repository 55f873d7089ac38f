import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll } from "vitest";
import { DESK_NAMESPACE, type DeskClientToServerEvents, type DeskFollowAck, type DeskServerToClientEvents } from "../../shared/desk-protocol.js";
import { children, startChild, stopChild, type Child } from "./child-server.js";
import { clusterSandbox } from "./cluster-sandbox.js";

export type DeskSocket = Socket<DeskServerToClientEvents, DeskClientToServerEvents>;

/**
 * Two server processes on a PostgreSQL schema and a Redis stream of their own (DESIGN.md §5), for
 * the desk's suites across nodes, dropped afterwards; Redis itself is never restarted. Call it in a
 * `describe`: its hooks start the nodes before the suite's own and clean up after.
 */
export function useTwoDeskNodes(prefix: string, storyId: string) {
  const sandbox = clusterSandbox(prefix);
  const { dataDir } = sandbox;
  const env = {
    ...sandbox.env,
  };
  const nodes = {} as { a: Child; b: Child };
  /** Every socket a test opens, closed after the suite. */
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // One after the other: the first runs the migrations. A start (tsx compiling the server) took
    // 33 s on the shared 2-core machine under load.
    nodes.a = await startChild(dataDir, { env, startMs: 90_000 });
    nodes.b = await startChild(dataDir, { env, startMs: 90_000 });
  }, 200_000);
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all([...children].map((child) => stopChild(child)));
    await sandbox.drop();
  });

  return {
    nodes,
    sockets,
    /** A `/desk` socket on `node` with these credentials (a cookie or a bearer token). */
    deskSocket: (node: Child, headers: Record<string, string>) =>
      new Promise<DeskSocket>((resolve, reject) => {
        const socket: DeskSocket = connect(node.url + DESK_NAMESPACE, { transports: ["websocket"], extraHeaders: headers, reconnection: false, forceNew: true });
        sockets.push(socket);
        socket.once("connect", () => resolve(socket));
        socket.once("connect_error", reject);
      }),
    follow: (socket: DeskSocket) => new Promise<DeskFollowAck>((resolve) => socket.emit("follow", { storyId }, resolve)),
  };
}
