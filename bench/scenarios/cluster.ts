import { randomBytes } from "node:crypto";
import { setPriority } from "node:os";
import pg from "pg";
import { createClient } from "redis";
import { editor } from "../fixtures.js";
import { startChild, type ChildHandle } from "../ipc.js";
import { nowMs } from "../load/lean-socket.js";
import type { Arrivals, JoinResult } from "../load/load-worker.js";
import { compare, type Row } from "../report.js";
import { medianSpread, percentile, spread, type Spread } from "../stats.js";
import { TICKER_NODE } from "../start-command.js";
import { postgresUrl, redisUrl, serviceAvailable } from "../../server/test/services.js";
import type { AudienceSettings } from "./audience.js";
import type { Audience } from "./audience-size.js";

const STORY = "kyiv-strikes";
/** As in targets.ts: the readers' process must not crowd out the servers and the editor. */
const LOAD_NICENESS = 10;

export interface Services {
  databaseUrl: string;
  redisUrl: string;
}

/** PostgreSQL and Redis as the test suites find them (TEST_DATABASE_URL, TEST_REDIS_URL), or why not; in CI their absence is an error. */
export async function clusterServices(): Promise<Services | string> {
  for (const kind of ["postgres", "redis"] as const) {
    if (!(await serviceAvailable(kind))) {
      if (process.env.CI) throw new Error(`several nodes: no ${kind} (CI must provide it)`);
      return `no ${kind} reachable`;
    }
  }
  return { databaseUrl: postgresUrl(), redisUrl: redisUrl() };
}

/** One setup under test: its nodes, the readers spread over them, and where its Redis keys live. */
export interface Setup {
  nodes: ChildHandle[];
  urls: string[];
  load: ChildHandle;
}

/** CPU ms one update costs: every node together, the readers' process, and the Redis server. */
type Cpu = { nodes: number; redis: number };
type RedisCounters = { cpuMs: number; inBytes: number; outBytes: number };

/**
 * Scenario 8, several nodes (DESIGN.md §5): three live-ticker processes on PostgreSQL and Redis
 * with the audience spread evenly over them, against one node on the same services with the same
 * readers and the same writes (the editor posts through each node in turn). Each setup runs in a
 * schema and a Redis stream of its own, dropped afterwards. Redis's share is read from its own
 * INFO (CPU and network bytes before and after the rounds): that is the whole Redis server's, so
 * on a shared machine other clients' work shows in it too.
 */
export async function measureCluster(audience: Audience, settings: AudienceSettings, services: Services, log: (line: string) => void): Promise<Row[]> {
  const readers = audience.stories * audience.perStory;
  const run = `bench_${randomBytes(5).toString("hex")}`;
  const redis = createClient({ url: services.redisUrl });
  await redis.connect();
  const results: Record<"one" | "three", { fanout: Spread[]; cpu: Cpu[]; redis: RedisCounters[] }> = {
    one: { fanout: [], cpu: [], redis: [] },
    three: { fanout: [], cpu: [], redis: [] },
  };
  try {
    for (const [name, count] of [["one", 1], ["three", 3]] as const) {
      const schema = `${run}_${name}`;
      const setup = await startSetup(count, schema, services);
      try {
        await join(setup, readers, settings.inFlight, log, `${audience.label} ${name} node${count > 1 ? "s" : ""}`);
        const desk = setup.urls.map(editor);
        for (let round = 0; round < settings.rounds; round++) {
          const before = await counters(setup, redis);
          const started = nowMs();
          const { version } = await desk[round % desk.length]!.postEntry(STORY);
          const key = `${STORY}@${version}`;
          const arrived = await setup.load.call<Arrivals>("collect", { keys: [key], perKey: readers, timeoutMs: 30_000 });
          if (arrived.at[key]!.length !== readers) throw new Error(`${key}: ${arrived.at[key]!.length} of ${readers} readers received it on ${name} node(s)`);
          const after = await counters(setup, redis);
          results[name].fanout.push(spread(arrived.at[key]!.map((at) => at - started)));
          results[name].cpu.push({ nodes: after.nodes - before.nodes, redis: after.redis.cpuMs - before.redis.cpuMs });
          results[name].redis.push({ cpuMs: after.redis.cpuMs - before.redis.cpuMs, inBytes: after.redis.inBytes - before.redis.inBytes, outBytes: after.redis.outBytes - before.redis.outBytes });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        await Promise.all([setup.load.stop(), ...setup.nodes.map((node) => node.stop())]);
        await forget(schema, services, redis);
      }
    }
  } finally {
    await redis.quit();
  }
  return rows(audience, results);
}

export async function startSetup(count: number, schema: string, services: Services): Promise<Setup> {
  const env = (seed: boolean) => ({
    ...TICKER_NODE.env,
    BENCH_DATABASE_URL: services.databaseUrl,
    BENCH_SCHEMA: schema,
    BENCH_REDIS_URL: services.redisUrl,
    BENCH_STREAM: streamOf(schema),
    BENCH_SEED: seed ? "1" : "0",
  });
  // The first node creates the schema and seeds the story; the others join it.
  const first = await startChild("servers/cluster-node.ts", { execArgv: TICKER_NODE.execArgv, env: env(true) });
  const others = await Promise.all(Array.from({ length: count - 1 }, () => startChild("servers/cluster-node.ts", { execArgv: TICKER_NODE.execArgv, env: env(false) })));
  const nodes = [first, ...others];
  const load = await startChild("load/load-worker.ts");
  setPriority(load.process.pid!, LOAD_NICENESS);
  return { nodes, urls: await Promise.all(nodes.map((node) => node.call<string>("url"))), load };
}

/** The readers, spread evenly over the nodes (as a balancer would), joined node by node. */
async function join(setup: Setup, readers: number, inFlight: number, log: (line: string) => void, label: string): Promise<void> {
  const started = nowMs();
  for (const [i, url] of setup.urls.entries()) {
    const share = Math.floor(readers / setup.urls.length) + (i < readers % setup.urls.length ? 1 : 0);
    const joined = await setup.load.call<JoinResult>("join", { url, mode: "socketio", stories: [STORY], readers: share, inFlight });
    if (joined.failed > 0) throw new Error(`${joined.failed} of ${share} readers failed to join ${url}`);
  }
  await setup.load.call("reset");
  log(`  ${label}: ${readers} readers joined in ${Math.round(nowMs() - started)} ms`);
}

async function counters(setup: Setup, redis: ReturnType<typeof createClient>): Promise<{ nodes: number; redis: RedisCounters }> {
  const [cpu, info] = await Promise.all([Promise.all(setup.nodes.map((node) => node.call<number>("cpu"))), redis.info()]);
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? Number.NaN);
  return {
    nodes: cpu.reduce((sum, ms) => sum + ms, 0),
    redis: {
      cpuMs: (field("used_cpu_user") + field("used_cpu_sys")) * 1000,
      inBytes: field("total_net_input_bytes"),
      outBytes: field("total_net_output_bytes"),
    },
  };
}

const streamOf = (schema: string) => `live-ticker-${schema}`;

/** Drops the setup's schema and every Redis key under its stream's name (the stream, the rate limiters'). */
export async function forget(schema: string, services: Services, redis: ReturnType<typeof createClient>): Promise<void> {
  const client = new pg.Client({ connectionString: services.databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
  for await (const keys of redis.scanIterator({ MATCH: `${streamOf(schema)}*`, COUNT: 1000 })) if (keys.length > 0) await redis.del(keys);
}

function rows(audience: Audience, m: Record<"one" | "three", { fanout: Spread[]; cpu: Cpu[]; redis: RedisCounters[] }>): Row[] {
  const n = audience.label;
  const scenario = "8 several nodes";
  const one = medianSpread(m.one.fanout);
  const three = medianSpread(m.three.fanout);
  const median = (values: number[]) => percentile(values, 50);
  const out: Row[] = (["p50", "p99"] as const).map((figure) =>
    compare(
      { scenario, n, figure: `3 nodes: latency ${figure}`, unit: "ms", ticker: three[figure], baseline: one[figure], against: "one node" },
      figure === "p99" ? { target: "≤ 1.3×", test: (r) => r <= 1.3 } : undefined,
    ),
  );
  const threeCpu = median(m.three.cpu.map((c) => c.nodes));
  const threeRedis = median(m.three.redis.map((r) => r.cpuMs));
  out.push(
    compare({ scenario, n, figure: "3 nodes: CPU per update (all nodes)", unit: "ms", ticker: threeCpu, baseline: median(m.one.cpu.map((c) => c.nodes)), against: "one node" }),
    // Redis's share: its CPU beside the nodes' for the same updates (the ratio), and its traffic.
    compare({ scenario, n, figure: "3 nodes: Redis CPU per update", unit: "ms", ticker: threeRedis, baseline: threeCpu, against: "3 nodes' CPU" }),
    compare({ scenario, n, figure: "3 nodes: Redis bytes in per update", unit: "B", ticker: median(m.three.redis.map((r) => r.inBytes)) }),
    compare({ scenario, n, figure: "3 nodes: Redis bytes out per update", unit: "B", ticker: median(m.three.redis.map((r) => r.outBytes)) }),
    compare({ scenario, n, figure: "1 node: Redis bytes out per update", unit: "B", ticker: median(m.one.redis.map((r) => r.outBytes)) }),
  );
  return out;
}
