import { createAdapter } from "@socket.io/redis-streams-adapter";
import type { Logger } from "pino";
import { createClient } from "redis";
import type { LiveServer } from "./live-server.js";
import type { StoryHub } from "./story-hub.js";

/** How often a node checks its followed stories against the store, to heal what Redis lost. */
const RESYNC_MS = 5_000;

export type RedisClient = ReturnType<typeof createClient>;

/** Connects to Redis; the client reconnects by itself after an outage. */
export async function connectRedis(url: string, log: Logger): Promise<RedisClient> {
  const client = createClient({ url, socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) } });
  client.on("error", (error: Error) => log.warn({ err: error }, "redis connection problem"));
  await client.connect();
  return client;
}

/**
 * Makes this process one node of many (DESIGN.md §5): Socket.IO's Redis Streams adapter carries
 * each node's committed versions to the others, in stream order; when Redis comes back after an
 * outage, and every few seconds, the hub reconciles its followed stories with the store.
 */
export function joinCluster(io: LiveServer, hub: StoryHub, redis: RedisClient, streamName: string, log: Logger): () => void {
  io.adapter(createAdapter(redis, { streamName }));
  const resync = () => hub.resync().catch((error: unknown) => log.warn({ err: error }, "resync with the store failed"));
  redis.on("ready", resync);
  const timer = setInterval(resync, RESYNC_MS);
  timer.unref();
  return () => clearInterval(timer);
}
