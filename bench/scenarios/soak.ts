import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import { editor } from "../fixtures.js";
import type { ChildHandle } from "../ipc.js";
import type { JoinResult } from "../load/load-worker.js";
import { compare, type Row } from "../report.js";
import type { SettledMemory } from "../servers/process-stats.js";
import type { ResidentParts } from "../servers/resident-parts.js";
import { median } from "../stats.js";
import { startTarget, stopTarget } from "../targets.js";
import { forget, startSetup, type Services } from "./cluster.js";

const STORY = "kyiv-strikes";

export interface SoakSettings {
  minutes: number;
  readers: number;
  /** Updates (new entries) a second. */
  rate: number;
  /** Share of the readers that drop and come back each minute. */
  reconnectShare: number;
  sampleSeconds: number;
  /** Samples before this are the warm-up, left out of the slope. */
  warmupMinutes: number;
  /** 1: the SQLite server; more: that many nodes on PostgreSQL and Redis. */
  nodes: number;
  /** Heap snapshots of the (first) node at the end of the warm-up and at the end. */
  heapSnapshots: boolean;
}

type Sample = SettledMemory & { minutes: number; version: number };

/** How each part of resident memory is named in the log and the report. */
const PART_NAMES: Record<keyof ResidentParts, string> = { v8Pages: "V8 pages", mainArena: "main arena", otherAnonymous: "other anon", files: "files" };

/**
 * The soak (issue 28): a story covered for a long time. Readers on the latest view, one new entry
 * every 1/rate s, a share of the readers dropping and coming back each minute (subscribing in the
 * handshake with the version they held), and the server's memory after full collections sampled
 * every `sampleSeconds`. Reported: the slope of RSS and heap after the warm-up (least squares, in
 * MB per hour), RSS at the end against RSS at the end of the warm-up, and whether every reader
 * ends holding the last version having met no gap.
 */
export async function measureSoak(settings: SoakSettings, services: Services | undefined, log: (line: string) => void): Promise<{ rows: Row[]; samples: Sample[] }> {
  const world = await start(settings, services);
  const samples: Sample[] = [];
  try {
    const desks = world.urls.map(editor);
    // Spread evenly over the nodes, as a balancer would.
    for (const [i, url] of world.urls.entries()) {
      const share = Math.floor(settings.readers / world.urls.length) + (i < settings.readers % world.urls.length ? 1 : 0);
      const joined = await world.load.call<JoinResult>("join", { url, mode: "socketio", stories: [STORY], readers: share, inFlight: 200, view: "latest" });
      if (joined.failed > 0) throw new Error(`${joined.failed} of ${share} readers failed to join ${url}`);
    }
    log(`  soak: ${settings.readers} readers joined on the latest view, ${settings.nodes} node(s)`);

    const started = Date.now();
    const end = started + settings.minutes * 60_000;
    let version = 0;
    let writes = 0;
    let failedWrites = 0;
    // Writes are paced on the clock, not on their answers: a slow answer must not slow the soak.
    const writer = setInterval(() => {
      const desk = desks[writes++ % desks.length]!;
      desk.postEntry(STORY).then(
        (answer) => (version = Math.max(version, answer.version)),
        () => failedWrites++,
      );
    }, 1000 / settings.rate);
    const perReconnect = Math.max(1, Math.round((settings.readers * settings.reconnectShare) / (60 / settings.sampleSeconds)));
    let reconnectFailures = 0;
    let snapshotAtWarmup = false;
    try {
      while (Date.now() < end) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(settings.sampleSeconds * 1000, end - Date.now())));
        // The readers coming back are spread over the nodes as a balancer would.
        const url = world.urls[samples.length % world.urls.length]!;
        const back = await world.load.call<JoinResult>("reconnect", { url, count: perReconnect, view: "latest" });
        reconnectFailures += back.failed;
        await world.load.call("reset");
        await newcomers(url);
        const memory = await world.servers[0]!.call<SettledMemory>("memory");
        const minutes = (Date.now() - started) / 60_000;
        samples.push({ minutes, ...memory, version });
        log(`  soak ${minutes.toFixed(1)} min: rss ${mb(memory.rss)} MB (${mb(memory.rssAtOnce)} right after the collections), heap ${mb(memory.heapUsed)} MB, external ${mb(memory.external)} MB${partsLine(memory.parts)}, V8 committed/used: ${spacesLine(memory.spaces)}, version ${version}`);
        if (settings.heapSnapshots && !snapshotAtWarmup && minutes >= settings.warmupMinutes) {
          snapshotAtWarmup = true;
          await world.servers[0]!.call("heapSnapshot", snapshotPath("warm"));
        }
      }
    } finally {
      clearInterval(writer);
    }
    // The last writes' fan-outs; then the readers away come back, and every reader's state.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const final = (await desks[0]!.get<{ version: number }>(`/api/stories/${STORY}`)).version;
    const held = await world.load.call<{ versions: Record<number, number>; closed: number; gaps: number; firstGaps: string[]; readers: number }>("holding", { url: world.urls[0], view: "latest" });
    if (settings.heapSnapshots) await world.servers[0]!.call("heapSnapshot", snapshotPath("end"));
    const exact = held.versions[final] ?? 0;
    // Why readers may not be exact: the server passing slow readers by, or dropping them (live/backpressure.ts).
    const server = await Promise.all(world.urls.map(async (url) => (await fetch(`${url}/metrics`)).text()));
    const counter = (name: string) => server.reduce((sum, text) => sum + Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? 0), 0);
    log(
      `  soak end: version ${final}, ${exact}/${held.readers} readers exact, ${held.gaps} gaps, ${held.closed} closed, ${failedWrites} failed writes, ${reconnectFailures} failed reconnects; ` +
        `server: ${counter("live_ticker_readers_behind_total")} passed by, ${counter("live_ticker_readers_dropped_total")} dropped`,
    );
    if (held.firstGaps.length > 0) log(`  first gaps: ${held.firstGaps.join("; ")}`);
    return { rows: rows(settings, samples, { exact, readers: held.readers, gaps: held.gaps, failedWrites, reconnectFailures }), samples };
  } finally {
    await world.stop();
  }
}

/**
 * A newcomer's reads, once a sample on the node a balancer gave it: the pages (rendered once per
 * version: what their caches keep), the latest view's JSON and the feed, compressed as browsers ask.
 */
const NEWCOMER_PATHS = [`/stories/${STORY}`, `/stories/${STORY}/ticker`, `/embed/${STORY}`, `/api/stories/${STORY}?view=latest`, `/stories/${STORY}/feed.json`];
async function newcomers(url: string): Promise<void> {
  for (const path of NEWCOMER_PATHS) {
    const response = await fetch(url + path, { headers: { "accept-encoding": "br, gzip" } });
    await response.arrayBuffer();
    // Pages are served only once the apps are built (`npm run bench` builds them).
    if (!response.ok && response.status !== 404) throw new Error(`GET ${path}: ${response.status}`);
  }
}

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
const spacesLine = (spaces: SettledMemory["spaces"]) =>
  Object.entries(spaces)
    .filter(([, space]) => space.committed >= 1_048_576)
    .map(([name, space]) => `${name.replace(/_space$/, "")} ${mb(space.committed)}/${mb(space.used)}`)
    .join(", ");
const partsLine = (parts: ResidentParts | undefined) =>
  parts ? ` (${Object.entries(PART_NAMES).map(([key, name]) => `${name} ${mb(parts[key as keyof ResidentParts])}`).join(", ")})` : "";
const snapshotPath = (when: string) => fileURLToPath(new URL(`../results/profiles/heap-soak-${when}.heapsnapshot`, import.meta.url));

/** One SQLite node (the bench's live-ticker server), or `nodes` on PostgreSQL and Redis in a schema of the soak's own. */
async function start(settings: SoakSettings, services: Services | undefined): Promise<{ servers: ChildHandle[]; urls: string[]; load: ChildHandle; stop: () => Promise<void> }> {
  if (settings.nodes <= 1 || !services) {
    const running = await startTarget("ticker");
    return { servers: [running.server], urls: [running.url], load: running.load, stop: () => stopTarget(running) };
  }
  const schema = `soak_${randomBytes(5).toString("hex")}`;
  const setup = await startSetup(settings.nodes, schema, services);
  return {
    servers: setup.nodes,
    urls: setup.urls,
    load: setup.load,
    stop: async () => {
      await Promise.all([setup.load.stop(), ...setup.nodes.map((node) => node.stop())]);
      const redis = createClient({ url: services.redisUrl });
      await redis.connect();
      try {
        await forget(schema, services, redis);
      } finally {
        await redis.quit();
      }
    },
  };
}

/** Samples whose median is a level (at 30 s a sample: a minute and a half). */
const LEVEL_SAMPLES = 3;

/** Least-squares slope of `y` over `x`. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((sum, p) => sum + p.x, 0) / n;
  const my = points.reduce((sum, p) => sum + p.y, 0) / n;
  const sxx = points.reduce((sum, p) => sum + (p.x - mx) ** 2, 0);
  return sxx === 0 ? Number.NaN : points.reduce((sum, p) => sum + (p.x - mx) * (p.y - my), 0) / sxx;
}

function rows(settings: SoakSettings, samples: Sample[], end: { exact: number; readers: number; gaps: number; failedWrites: number; reconnectFailures: number }): Row[] {
  const scenario = "10 soak";
  const n = `${settings.readers} × ${settings.minutes} min`;
  const warm = samples.filter((s) => s.minutes >= settings.warmupMinutes);
  const perHour = (key: "rss" | "heapUsed") => slope(warm.map((s) => ({ x: s.minutes / 60, y: s[key] / 1_048_576 })));
  // Which part of RSS the slope is made of (Linux only), so the report names what grows.
  const partRows = warm.every((s) => s.parts)
    ? Object.entries(PART_NAMES).map(([key, name]) =>
        compare({ scenario, n, figure: `RSS slope: ${name}`, unit: "MB/h", ticker: slope(warm.map((s) => ({ x: s.minutes / 60, y: s.parts![key as keyof ResidentParts] / 1_048_576 }))) }),
      )
    : [];
  // One sample is one moment: a level is the median of a few, at the end of the warm-up and at the end.
  const level = (of: Sample[]) => median(of.slice(0, LEVEL_SAMPLES).map((s) => s.rss)) / 1_048_576;
  const afterWarmup = level(warm);
  const highest = Math.max(...warm.map((s) => s.rss)) / 1_048_576;
  return [
    compare({ scenario, n, figure: "RSS slope after warm-up", unit: "MB/h", ticker: perHour("rss") }),
    compare({ scenario, n, figure: "heap slope after warm-up", unit: "MB/h", ticker: perHour("heapUsed") }),
    ...partRows,
    compare(
      { scenario, n, figure: `RSS at end (median of ${LEVEL_SAMPLES} samples)`, unit: "MB", ticker: level([...warm].reverse()), baseline: afterWarmup, against: "after warm-up" },
      { target: "≤ 1.05×", test: (ratio) => ratio <= 1.05 },
    ),
    compare({ scenario, n, figure: "RSS, highest sample after warm-up", unit: "MB", ticker: highest, baseline: afterWarmup, against: "after warm-up" }),
    compare({ scenario, n, figure: "readers exact at the end", unit: "", ticker: end.exact, baseline: end.readers, against: "readers" }, { target: "all, no gap", test: (ratio) => ratio === 1 && end.gaps === 0 }),
    compare({ scenario, n, figure: "failed writes / reconnects", unit: "", ticker: end.failedWrites + end.reconnectFailures }),
  ];
}
