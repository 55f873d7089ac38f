import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";
import { residentParts, type ResidentParts } from "./resident-parts.js";
/** What the servers under test (and, for its CPU, the load process) report about themselves over IPC. */

/** Resident memory after full collections, so that one reading compares with another (run with --expose-gc). */
export interface SettledMemory {
  rss: number;
  /** RSS read right after the collections, before SETTLE_MS: how much the wait changed. */
  rssAtOnce: number;
  heapUsed: number;
  external: number;
  parts?: ResidentParts;
  /** Each V8 space's committed and used bytes: V8's pages can grow while what lives in them does not. */
  spaces: Record<string, { committed: number; used: number }>;
}

/**
 * How long after the collections the reading waits, so that what V8 sweeps and gives back on
 * background threads is gone before RSS is read. On a quiet machine it made no difference (RSS at
 * once and a second later agreed within 0.3 MB over an hour); the swings of tens of MB between
 * samples came with other load on the machine. `rssAtOnce` keeps showing the difference.
 */
const SETTLE_MS = 1_000;

export async function settledMemory(): Promise<SettledMemory> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("start the server with --expose-gc");
  for (let i = 0; i < 3; i++) gc();
  const rssAtOnce = process.memoryUsage.rss();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  // external: Buffers and other memory outside V8's heap that JS objects hold (not SQLite's own).
  const { rss, heapUsed, external } = process.memoryUsage();
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, { committed: space.space_size, used: space.space_used_size }]));
  return { rss, rssAtOnce, heapUsed, external, parts: residentParts(), spaces };
}

/**
 * CPU time (user + system) the process has used, in ms: the work an update costs the server (or
 * its readers' load process), which a busy machine changes far less than it changes wall-clock latency.
 */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The node flags every server under test runs with. */
export const SERVER_EXEC_ARGV = ["--expose-gc"];

/** A heap snapshot at `path` (`npm run bench -- --heapsnapshot`): what each reader's sockets keep, to open in Chrome DevTools. */
function heapSnapshot(path: unknown): string {
  mkdirSync(dirname(String(path)), { recursive: true });
  return writeHeapSnapshot(String(path));
}

/** The IPC requests every server under test answers. */
export const processStats = { memory: settledMemory, cpu: cpuMs, heapSnapshot };
