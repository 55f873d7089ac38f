import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createClient } from "redis";
import { postgresUrl, redisUrl } from "./services.js";

/**
 * A PostgreSQL schema, a Redis stream and a data folder of a suite's own, for the nodes it starts
 * (DESIGN.md §5): suites running at once never see each other's stories. `drop` removes all three.
 */
export function clusterSandbox(prefix: string) {
  const schema = `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
  const dataDir = mkdtempSync(join(tmpdir(), `live-ticker-${prefix}-`));
  const env = {
    DATABASE_URL: `${postgresUrl()}${postgresUrl().includes("?") ? "&" : "?"}schema=${schema}`,
    REDIS_URL: redisUrl(),
    REDIS_STREAM: `live-ticker-test-${schema}`,
  };
  const drop = async () => {
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    const redis = createClient({ url: redisUrl() });
    await redis.connect();
    const keys = await redis.keys(`${env.REDIS_STREAM}*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.quit();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { schema, dataDir, env, drop };
}
