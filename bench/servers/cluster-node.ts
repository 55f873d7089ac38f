import { pino } from "pino";
import { createApp } from "../../server/app.js";
import { loadConfig } from "../../server/config.js";
import { connectRedis } from "../../server/live/cluster.js";
import { seedIfEmpty } from "../../server/seed/seed.js";
import { PostgresStore } from "../../server/store/postgres-store.js";
import { answer } from "../ipc.js";
import { processStats } from "./process-stats.js";
import { BENCH_TOKEN } from "./ticker-token.js";

/**
 * One node of several (DESIGN.md §5) as server/main.ts starts it with DATABASE_URL and REDIS_URL:
 * PostgreSQL in the run's own schema, Redis under the run's own stream name, so a bench run never
 * meets another run or a test suite on the same services. The coordinator (scenarios/cluster.ts)
 * passes them in the environment; the first node seeds the demo story.
 */
const env = process.env;
const config = loadConfig({
  PORT: "0",
  HOST: "127.0.0.1",
  DATABASE_URL: `${env.BENCH_DATABASE_URL}${env.BENCH_DATABASE_URL!.includes("?") ? "&" : "?"}schema=${env.BENCH_SCHEMA}`,
  REDIS_URL: env.BENCH_REDIS_URL,
  REDIS_STREAM: env.BENCH_STREAM,
  TICKER_ADMIN_TOKEN: BENCH_TOKEN,
  LOG_LEVEL: "silent",
  // One load machine, one token: per-client limits are lifted, as for the single-node bench server.
  MAX_SOCKETS_PER_IP: "1000000",
  IP_CONNECT_BURST: "1000000",
  IP_CONNECTS_PER_MINUTE: "60000000",
  IP_SUBSCRIBE_BURST: "1000000",
  IP_SUBSCRIBES_PER_MINUTE: "60000000",
  MAX_QUEUED_BYTES_PER_IP: "4294967296",
  WRITES_PER_MINUTE: "1000000",
});
const log = pino({ level: "silent" });
const store = await PostgresStore.open(config.databaseUrl!, { schema: config.databaseSchema! });
const redis = await connectRedis(config.redisUrl!, log);
const app = createApp(config, store, { log, redis });
if (env.BENCH_SEED === "1") await seedIfEmpty(store, app.service);
const port = await app.listen();

answer({ url: () => `http://127.0.0.1:${port}`, ...processStats });
