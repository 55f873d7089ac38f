import { fileURLToPath } from "node:url";
import { editor, eventPacket, type Editor } from "../fixtures.js";
import { nowMs } from "../load/lean-socket.js";
import type { Arrivals, JoinResult } from "../load/load-worker.js";
import type { Row } from "../report.js";
import { spread, type Spread } from "../stats.js";
import type { Audience } from "./audience-size.js";
import { rows, type Cpu, type Memory } from "./audience-rows.js";
import { startTarget, stopTarget, TARGET_NAMES, TARGETS, triggerBroadcast, type Running, type Target } from "../targets.js";

export interface AudienceSettings {
  rounds: number;
  writeRate: number;
  writeSeconds: number;
  inFlight: number;
  profile: boolean;
  /** Each server writes a heap snapshot once its readers have joined (bench/results/profiles/heap-…). */
  heapSnapshots?: boolean;
}

const DEMO_STORY = "kyiv-strikes";

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
      const snapshot = JSON.stringify(await desk.get(`/api/stories/${storyId}`));
      await triggerBroadcast(running.naive.url, storyId, snapshot);
      await triggerBroadcast(running.plain.url, storyId, snapshot, "/snapshot");
    }
    const readers = audience.stories * audience.perStory;
    // Scenario 7's baseline: the same paced writes before any reader arrives, to a story of the demo story's size.
    const unread = await copyOfDemoSize(desk);
    const idle = { slow: await paceWrites(desk, unread, 1, settings), fast: await paceWrites(desk, unread, settings.writeRate, settings) };

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
    if (settings.heapSnapshots) {
      for (const target of TARGETS) await running[target].server.call("heapSnapshot", fileURLToPath(new URL(`../results/profiles/heap-${target}-${audience.label.replace("×", "x")}.heapsnapshot`, import.meta.url)));
    }

    const fanout = { ticker: [] as Spread[], raw: [] as Spread[], naive: [] as Spread[], plain: [] as Spread[] };
    const cpu = { ticker: [] as Cpu[], raw: [] as Cpu[], naive: [] as Cpu[], plain: [] as Cpu[] };
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

      const patches = await Promise.all(stories.map((storyId, i) => desk.get(`/api/stories/${storyId}/patch?from=${versions[i]! - 1}&to=${versions[i]}`)));
      await update("raw", (storyId, i) => triggerBroadcast(running.raw.url, storyId, eventPacket("patch", patches[i])), () => keys);
      await update("plain", (storyId, i) => triggerBroadcast(running.plain.url, storyId, JSON.stringify(patches[i])), () => keys);

      const snapshots = await Promise.all(stories.map(async (storyId, i) => JSON.stringify(await desk.get(`/api/stories/${storyId}?version=${versions[i]}`))));
      const naive = await update("naive", (storyId, i) => triggerBroadcast(running.naive.url, storyId, snapshots[i]!), () => keys);
      bytes.naive.push(naive.received.wireBytes[keys[0]!]!);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // The calm pace first: after the fast one, its first seconds would still wait behind the fan-outs of the burst.
    const busy = { slow: await paceWrites(desk, stories[0]!, 1, settings), fast: await paceWrites(desk, stories[0]!, settings.writeRate, settings) };

    // Readers whose page came with the current version subscribe in the handshake: nothing to send.
    // Measured last, on the warm server, once the readers above have left.
    await running.ticker.load.call("close");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const versioned = await running.ticker.load.call<JoinResult>("join", {
      url: running.ticker.url,
      mode: "handshake",
      stories: await Promise.all(stories.map(async (storyId) => `${storyId}@${(await desk.get<{ version: number }>(`/api/stories/${storyId}`)).version}`)),
      readers,
      inFlight: settings.inFlight,
    });
    if (versioned.failed > 0) throw new Error(`${versioned.failed} of ${readers} readers failed to join with a version`);
    log(`  ${audience.label} join with version live-ticker: ${Math.round(readers / (versioned.durationMs / 1000))}/s`);

    return rows(audience, { readers, joins, versioned, serializations, before, after, fanout, cpu, bytes, busy, idle }, settings.writeRate);
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

/**
 * POSTs an entry every 1/rate s (not waiting for answers), returning each write's latency: for
 * `writeSeconds`, or at one write a second for twice as long, so that its p99 rests on a few more.
 */
async function paceWrites(desk: Editor, storyId: string, rate: number, settings: AudienceSettings): Promise<number[]> {
  const count = Math.max(2, Math.round(rate * settings.writeSeconds * (rate === 1 ? 2 : 1)));
  const start = nowMs();
  const writes = Array.from({ length: count }, async (_, i) => {
    await new Promise((resolve) => setTimeout(resolve, start + (i * 1000) / rate - nowMs()));
    const begun = nowMs();
    await desk.postEntry(storyId);
    return nowMs() - begun;
  });
  return Promise.all(writes);
}
