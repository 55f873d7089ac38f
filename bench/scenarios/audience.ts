import { editor, eventPacket, type Editor } from "../fixtures.js";
import { nowMs } from "../load/lean-socket.js";
import type { Arrivals, JoinResult } from "../load/load-worker.js";
import { compare, type Row } from "../report.js";
import { medianSpread, percentile, spread, type Spread } from "../stats.js";
import { startTarget, stopTarget, TARGET_NAMES, TARGETS, triggerBroadcast, type Running, type Target } from "../targets.js";

/** One audience: `perStory` readers on each of `stories` stories. */
export interface Audience {
  label: string;
  stories: number;
  perStory: number;
  /** The size the targets are set for: their rows say met or not; other sizes inform. */
  judged: boolean;
}

export interface AudienceSettings {
  rounds: number;
  writeRate: number;
  writeSeconds: number;
  inFlight: number;
  profile: boolean;
}

const DEMO_STORY = "kyiv-strikes";
type Memory = { rss: number; heapUsed: number };
/** CPU ms of one update round in the server's process and in its readers' load process. */
type Cpu = { server: number; load: number };

/**
 * Scenarios 1, 2, 4, 5 and 7 for one audience, measured on live-ticker, a raw `ws` server and a
 * naive Socket.IO server side by side: join storms, then idle memory, then fan-out rounds taken
 * in turn on each server (so drift in the machine's speed hits all three alike), then writes.
 */
export async function measureAudience(audience: Audience, settings: AudienceSettings, log: (line: string) => void): Promise<Row[]> {
  const running = {} as Record<Target, Running>;
  try {
    for (const target of TARGETS) running[target] = await startTarget(target, { profile: settings.profile });
    const desk = editor(running.ticker.url);
    const stories = await prepareStories(desk, audience.stories);
    for (const storyId of stories) {
      await triggerBroadcast(running.naive.url, storyId, JSON.stringify(await desk.get(`/api/stories/${storyId}`)));
    }
    const readers = audience.stories * audience.perStory;
    // Scenario 7's baseline: the same paced writes before any reader arrives, to a story of the demo story's size.
    const idle = await paceWrites(desk, await copyOfDemoSize(desk), settings);

    const before = await memoryOf(running);
    const joins = {} as Record<Target, JoinResult>;
    for (const target of TARGETS) {
      joins[target] = await running[target].load.call<JoinResult>("join", {
        url: running[target].url,
        mode: target === "raw" ? "raw" : "socketio",
        stories,
        readers,
        inFlight: settings.inFlight,
      });
      await running[target].load.call("reset");
      if (joins[target].failed > 0) throw new Error(`${joins[target].failed} of ${readers} ${TARGET_NAMES[target]} readers failed to join`);
      log(`  ${audience.label} join ${TARGET_NAMES[target]}: ${Math.round(readers / (joins[target].durationMs / 1000))}/s`);
    }
    const serializations = await running.ticker.server.call<number>("snapshotSerializations");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await memoryOf(running);

    const fanout = { ticker: [] as Spread[], raw: [] as Spread[], naive: [] as Spread[] };
    const cpu = { ticker: [] as Cpu[], raw: [] as Cpu[], naive: [] as Cpu[] };
    const cpuOf = async (target: Target): Promise<Cpu> => {
      const [server, load] = await Promise.all([running[target].server.call<number>("cpu"), running[target].load.call<number>("cpu")]);
      return { server, load };
    };
    const bytes = { ticker: [] as number[], naive: [] as number[] };
    /** One update on `target`: `send` starts it for every story at once; the readers' delays and the server's and load process's CPU are recorded. */
    const update = async <T>(target: Target, send: (storyId: string, index: number) => Promise<T>, keysOf: (results: T[]) => string[]) => {
      const cpuBefore = await cpuOf(target);
      const sent = await timed(stories, send);
      const keys = keysOf(sent.results);
      const received = await arrivals(running[target], keys, audience.perStory);
      const cpuAfter = await cpuOf(target);
      cpu[target].push({ server: cpuAfter.server - cpuBefore.server, load: cpuAfter.load - cpuBefore.load });
      fanout[target].push(latencies(received, keys, sent.started));
      return { keys, versions: sent.results, received };
    };
    for (let round = 0; round < settings.rounds; round++) {
      const ticker = await update(
        "ticker",
        (storyId) => desk.postEntry(storyId).then((r) => r.version),
        (versions) => stories.map((storyId, i) => `${storyId}@${versions[i]}`),
      );
      const { keys, versions } = ticker;
      bytes.ticker.push(ticker.received.wireBytes[keys[0]!]!);

      const patches = await Promise.all(
        stories.map(async (storyId, i) => eventPacket("patch", await desk.get(`/api/stories/${storyId}/patch?from=${versions[i]! - 1}&to=${versions[i]}`))),
      );
      await update("raw", (storyId, i) => triggerBroadcast(running.raw.url, storyId, patches[i]!), () => keys);

      const snapshots = await Promise.all(stories.map(async (storyId, i) => JSON.stringify(await desk.get(`/api/stories/${storyId}?version=${versions[i]}`))));
      const naive = await update("naive", (storyId, i) => triggerBroadcast(running.naive.url, storyId, snapshots[i]!), () => keys);
      bytes.naive.push(naive.received.wireBytes[keys[0]!]!);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const busy = await paceWrites(desk, stories[0]!, settings);

    return rows(audience, { readers, joins, serializations, before, after, fanout, cpu, bytes, busy, idle });
  } finally {
    await Promise.all(Object.values(running).map(stopTarget));
  }
}

/** The demo story, then more stories of a few entries each until there are `count`. */
async function prepareStories(desk: Editor, count: number): Promise<string[]> {
  const stories = [DEMO_STORY];
  for (let i = 1; i < count; i++) {
    const storyId = `story-${i}`;
    await desk.createStory(storyId, `Developing story ${i}`);
    for (let e = 0; e < 5; e++) await desk.postEntry(storyId);
    stories.push(storyId);
  }
  return stories;
}

/** A story with as many entries as the demo story, that no reader follows. */
async function copyOfDemoSize(desk: Editor): Promise<string> {
  const demo = await desk.get<{ entries: object }>(`/api/stories/${DEMO_STORY}`);
  const storyId = "unread-story";
  await desk.createStory(storyId, "A story nobody reads yet");
  for (let i = 0; i < Object.keys(demo.entries).length; i++) await desk.postEntry(storyId);
  return storyId;
}

async function memoryOf(running: Record<Target, Running>): Promise<Record<Target, Memory>> {
  const entries = await Promise.all(TARGETS.map(async (target) => [target, await running[target].server.call<Memory>("memory")] as const));
  return Object.fromEntries(entries) as Record<Target, Memory>;
}

/** Runs `action` for every story at once, noting when each began. */
async function timed<T>(stories: string[], action: (storyId: string, index: number) => Promise<T>): Promise<{ started: number[]; results: T[] }> {
  const started: number[] = [];
  const results = await Promise.all(
    stories.map((storyId, i) => {
      started[i] = nowMs();
      return action(storyId, i);
    }),
  );
  return { started, results };
}

async function arrivals(running: Running, keys: string[], perKey: number): Promise<Arrivals> {
  const result = await running.load.call<Arrivals>("collect", { keys, perKey, timeoutMs: 30_000 });
  for (const key of keys) {
    const got = result.at[key]!.length;
    if (got !== perKey) throw new Error(`${key}: ${got} of ${perKey} readers received it`);
  }
  return result;
}

/** Each reader's delay from the moment its story's update was sent. */
function latencies(result: Arrivals, keys: string[], started: number[]): Spread {
  return spread(keys.flatMap((key, i) => result.at[key]!.map((at) => at - started[i]!)));
}

/** POSTs an entry every 1/rate s for `writeSeconds` (not waiting for answers), returning each write's latency. */
async function paceWrites(desk: Editor, storyId: string, settings: AudienceSettings): Promise<number[]> {
  const count = Math.max(1, Math.round(settings.writeRate * settings.writeSeconds));
  const start = nowMs();
  const writes = Array.from({ length: count }, async (_, i) => {
    await new Promise((resolve) => setTimeout(resolve, start + (i * 1000) / settings.writeRate - nowMs()));
    const begun = nowMs();
    await desk.postEntry(storyId);
    return nowMs() - begun;
  });
  return Promise.all(writes);
}

interface Measured {
  readers: number;
  joins: Record<Target, JoinResult>;
  serializations: number;
  before: Record<Target, Memory>;
  after: Record<Target, Memory>;
  fanout: Record<Target, Spread[]>;
  /** CPU ms per update round (all its stories), from the write or trigger until the last reader has decoded it. */
  cpu: Record<Target, Cpu[]>;
  bytes: { ticker: number[]; naive: number[] };
  busy: number[];
  idle: number[];
}

function rows(audience: Audience, m: Measured): Row[] {
  const n = audience.label;
  const judged = audience.judged;
  const at = <T>(goal: T) => (judged ? goal : undefined);
  const fan = { ticker: medianSpread(m.fanout.ticker), raw: medianSpread(m.fanout.raw), naive: medianSpread(m.fanout.naive) };
  const out: Row[] = [];
  for (const figure of ["p50", "p95", "p99", "max"] as const) {
    out.push(
      compare(
        { scenario: "1 fan-out", n, figure: `latency ${figure}`, unit: "ms", ticker: fan.ticker[figure], baseline: fan.raw[figure], against: "raw ws" },
        figure === "p99" ? at({ target: "≤ 1.1×", test: (r: number) => r <= 1.1 }) : undefined,
      ),
    );
  }
  const median = (values: number[]) => percentile(values, 50);
  /** The server's CPU per update, and beside it the readers' load process's: if that were the busier, the readers would be what is measured. */
  const cpuRows = (scenario: string, baseline: Target) =>
    (["server", "load"] as const).map((side) =>
      compare({
        scenario,
        n,
        figure: side === "server" ? "server CPU per update" : "load process CPU per update",
        unit: "ms",
        ticker: median(m.cpu.ticker.map((c) => c[side])),
        baseline: median(m.cpu[baseline].map((c) => c[side])),
        against: TARGET_NAMES[baseline],
      }),
    );
  out.push(...cpuRows("1 fan-out", "raw"));
  out.push(
    compare(
      { scenario: "2 vs naive", n, figure: "bytes per update", unit: "B", ticker: median(m.bytes.ticker), baseline: median(m.bytes.naive), against: "naive Socket.IO" },
      { target: "< 1×", test: (r) => r < 1 },
    ),
    compare(
      { scenario: "2 vs naive", n, figure: "latency p99", unit: "ms", ticker: fan.ticker.p99, baseline: fan.naive.p99, against: "naive Socket.IO" },
      { target: "< 1×", test: (r) => r < 1 },
    ),
    ...cpuRows("2 vs naive", "naive"),
  );
  const rate = (join: JoinResult) => m.readers / (join.durationMs / 1000);
  out.push(
    compare(
      { scenario: "4 join storm", n, figure: "joins/s", unit: "/s", ticker: rate(m.joins.ticker), baseline: rate(m.joins.raw), against: "raw ws connects" },
      at({ target: "≥ 0.8×", test: (r: number) => r >= 0.8 }),
    ),
    compare({
      scenario: "4 join storm",
      n,
      figure: "first state p99",
      unit: "ms",
      ticker: percentile(m.joins.ticker.firstStateMs, 99),
      baseline: percentile(m.joins.raw.firstStateMs, 99),
      against: "raw ws open",
    }),
    compare({ scenario: "4 join storm", n, figure: "snapshot bytes", unit: "B", ticker: m.joins.ticker.firstStateBytes }),
    // No ratio to the readers: with one serialization per story it is 1 / readers per story by construction.
    compare({ scenario: "4 join storm", n, figure: "snapshot serializations", unit: "", ticker: m.serializations }, {
      // Every reader of a story joined at the same version, so one serialization per story.
      target: "1 per story version",
      test: (_r, row) => row.ticker === audience.stories,
    }),
  );
  const perReader = (target: Target) => (m.after[target].rss - m.before[target].rss) / m.readers / 1024;
  out.push(
    compare(
      { scenario: "5 idle memory", n, figure: "RSS per reader", unit: "KB", ticker: perReader("ticker"), baseline: perReader("raw"), against: "raw ws" },
      at({ target: "≤ 1.5×", test: (r: number) => r <= 1.5 }),
    ),
    compare({ scenario: "5 idle memory", n, figure: "RSS per reader", unit: "KB", ticker: perReader("ticker"), baseline: perReader("naive"), against: "naive Socket.IO" }),
  );
  for (const p of [50, 99]) {
    out.push(
      compare(
        {
          scenario: "7 editor writes",
          n,
          figure: `POST→201 p${p}`,
          unit: "ms",
          ticker: percentile(m.busy, p),
          baseline: percentile(m.idle, p),
          against: "no readers",
        },
        p === 99 && judged ? { target: "≤ 20 ms", test: (_r, row) => row.ticker <= 20 } : undefined,
      ),
    );
  }
  return out;
}
