import { afterAll, beforeAll } from "vitest";
import { freePort, children, startChild, stopChild, type Child } from "./child-server.js";
import { startNginx, type Nginx } from "./nginx.js";
import { clusterSandbox } from "./cluster-sandbox.js";

/**
 * Two server processes on a PostgreSQL schema and a Redis stream of their own (DESIGN.md §5),
 * behind the shipped nginx configuration, dropped afterwards. A node can be replaced by a new
 * process on the same port, as an upgrade does. Call it in a `describe`: its hooks start
 * everything before the suite's own and clean up after.
 */
export function useProxiedNodes(prefix: string, extraEnv: Record<string, string> = {}) {
  const sandbox = clusterSandbox(prefix);
  const { dataDir } = sandbox;
  const env = {
    ...sandbox.env,
    TRUST_PROXY: "loopback",
    WRITES_PER_MINUTE: "1000000",
    ...extraEnv,
  };
  const cluster = { nodes: [] as Child[], nginx: undefined as unknown as Nginx, env: env as Record<string, string> };
  // A start (tsx compiling the server) took 33 s on the shared 2-core machine under load.
  const startNode = (port?: number) => startChild(dataDir, { env: { ...cluster.env, ...(port ? { PORT: String(port) } : {}) }, startMs: 90_000 });

  beforeAll(async () => {
    // Every node renders the same bytes only with the same PUBLIC_URL: the proxy's address.
    const proxyPort = await freePort();
    cluster.env = { ...env, PUBLIC_URL: `http://127.0.0.1:${proxyPort}` };
    // One after the other: the first runs the migrations.
    cluster.nodes.push(await startNode());
    cluster.nodes.push(await startNode());
    cluster.nginx = await startNginx(cluster.nodes.map((node) => node.url), proxyPort);
  }, 200_000);
  afterAll(async () => {
    await cluster.nginx?.stop();
    await Promise.all([...children].map((child) => stopChild(child)));
    await sandbox.drop();
  });

  return {
    cluster,
    /** Starts a new process on node `index`'s port (the old one must have stopped) and puts it in its place. */
    replaceNode: async (index: number): Promise<Child> => {
      const node = await startNode(Number(new URL(cluster.nodes[index]!.url).port));
      cluster.nodes[index] = node;
      return node;
    },
  };
}

/** Sockets a node holds, read from its own /metrics (loopback, so no token is needed). */
export async function connectedSockets(node: Child): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return Number(/^live_ticker_connected_sockets (\d+)/m.exec(text)?.[1] ?? NaN);
}
