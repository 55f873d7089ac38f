import { answer } from "../ipc.js";
import { cpuMs } from "../servers/process-stats.js";
import { LeanSocket, nowMs, type Mode, type Received } from "./lean-socket.js";

/**
 * A load generator process: holds up to ~10k readers (one process may open 20k files here) and
 * records when each of them received each version, for the coordinator to turn into latencies.
 * It reports its own CPU time too, so a run shows whether the readers kept up or were the bottleneck.
 */
export interface JoinRequest {
  url: string;
  /** `handshake`: Socket.IO, subscribing in the handshake with the version named as `storyId@version`. */
  mode: Mode | "handshake";
  /** Reader i follows stories[i % stories.length]. */
  stories: string[];
  readers: number;
  /** Connections being opened at once: as fast as the server accepts, without overflowing its backlog. */
  inFlight: number;
  /** The view to subscribe to (DESIGN.md §4); the whole story when absent. */
  view?: "full" | "latest";
}

export interface JoinResult {
  readers: number;
  failed: number;
  /** From the first connect to the last reader holding its first state (or, in raw mode, being open). */
  durationMs: number;
  /** Per reader: connect → snapshot received (raw mode: connect → open). */
  firstStateMs: number[];
  /** Wire bytes of one reader's first state. */
  firstStateBytes: number;
}

export interface CollectRequest {
  /** `storyId@version` of the updates to wait for. */
  keys: string[];
  /** Readers expected to receive each key. */
  perKey: number;
  timeoutMs: number;
}

export interface Arrivals {
  /** key → process.hrtime ms of each reader's receipt (before decoding, see `Received.at`). */
  at: Record<string, number[]>;
  /** key → wire bytes of one reader's copy. */
  wireBytes: Record<string, number>;
}

const sockets: LeanSocket[] = [];
/**
 * Per reader: the version it holds, and the patches that did not start from it (a gap, or a
 * version out of order): what the soak checks every reader against at its end.
 */
const held = new Map<LeanSocket, { storyId: string; version?: number; gaps: number }>();
const arrivals = new Map<string, number[]>();
const sizes = new Map<string, number>();
let arrived: (() => void) | undefined;

/** Keys updates by story and version: a patch by its `to`, a snapshot (the naive server) by its version. */
function keyOf(message: Received): string | undefined {
  const payload = message.payload as { storyId?: string; to?: number; snapshot?: { version?: number } };
  const version = message.event === "patch" ? payload.to : message.event === "snapshot" ? payload.snapshot?.version : undefined;
  return version === undefined ? undefined : `${payload.storyId}@${version}`;
}

function record(message: Received): void {
  const key = keyOf(message);
  if (!key) return;
  const list = arrivals.get(key) ?? [];
  list.push(message.at);
  arrivals.set(key, list);
  sizes.set(key, message.wireBytes);
  arrived?.();
}

async function join(request: JoinRequest): Promise<JoinResult> {
  const firstStateMs: number[] = [];
  let failed = 0;
  let firstStateBytes = 0;
  let next = 0;
  const start = nowMs();
  const openOne = async (index: number) => {
    const storyId = request.stories[index % request.stories.length]!;
    const begun = nowMs();
    let gotState: (message: Received) => void = () => {};
    const state = new Promise<Received>((resolve) => (gotState = resolve));
    const url = request.mode === "raw" ? `${request.url}/?story=${storyId}` : request.url;
    const [id, version] = storyId.split("@");
    const view = request.view ? { view: request.view } : {};
    const auth = request.mode === "handshake" ? { stories: [{ id, version: Number(version), ...view }] } : undefined;
    const reader = { storyId: id!, gaps: 0, ...(request.mode === "handshake" ? { version: Number(version) } : {}) } as { storyId: string; version?: number; gaps: number };
    const socket = new LeanSocket(
      url,
      request.mode === "raw" ? "raw" : "socketio",
      (message) => {
        if (message.event === "snapshot" || message.event === "patch") {
          hold(reader, message);
          gotState(message);
        }
        record(message);
      },
      auth,
    );
    sockets.push(socket);
    held.set(socket, reader);
    try {
      await socket.opened;
      // Raw: open is all there is. Handshake: connected means subscribed, and a current reader is sent nothing.
      if (request.mode === "raw" || request.mode === "handshake") {
        firstStateMs.push(nowMs() - begun);
        return;
      }
      const ack = await socket.emitWithAck<{ ok: boolean }>("subscribe", { storyId, protocol: 1, ...view });
      if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
      const first = await state;
      firstStateBytes = first.wireBytes;
      firstStateMs.push(first.at - begun);
    } catch {
      failed++;
    }
  };
  const lane = async () => {
    while (next < request.readers) await openOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(request.inFlight, request.readers) }, lane));
  return { readers: request.readers, failed, durationMs: nowMs() - start, firstStateMs, firstStateBytes };
}

/** The first few gaps met, as "held V, then patch A→B", for the soak's log. */
const gapsSeen: string[] = [];

function hold(state: { version?: number; gaps: number }, message: Received): void {
  const payload = message.payload as { from?: number; to?: number; snapshot?: { version?: number } };
  if (message.event === "snapshot") state.version = payload.snapshot?.version;
  else {
    if (state.version !== undefined && payload.from !== state.version) {
      state.gaps++;
      if (gapsSeen.length < 5) gapsSeen.push(`held ${state.version}, then patch ${payload.from}→${payload.to}`);
    }
    state.version = payload.to;
  }
}

/** Readers who left at the last `reconnect`, with the story and version they held. */
let away: string[] = [];

/**
 * Readers leaving and coming back (the soak's reconnects): those who left at the last call come
 * back, each subscribing in the handshake with the version it held (as the live client does after a
 * dropped connection, a tunnel, a laptop's lid), so that it is sent the patch from there; then the
 * `count` longest connected leave.
 */
async function reconnect(request: { url: string; count: number; view?: "full" | "latest" }): Promise<JoinResult> {
  const returning = away;
  away = [];
  for (const socket of sockets.splice(0, Math.min(request.count, sockets.length))) {
    const state = held.get(socket)!;
    held.delete(socket);
    socket.close();
    away.push(`${state.storyId}@${state.version ?? 0}`);
  }
  if (returning.length === 0) return { readers: 0, failed: 0, durationMs: 0, firstStateMs: [], firstStateBytes: 0 };
  return join({ url: request.url, mode: "handshake", stories: returning, readers: returning.length, inFlight: 50, ...(request.view ? { view: request.view } : {}) });
}

/** How many readers hold each version, how many are closed, and the gaps they met (the readers away first come back). */
async function holding(request: { url: string; view?: "full" | "latest" }): Promise<{ versions: Record<number, number>; closed: number; gaps: number; firstGaps: string[]; readers: number }> {
  await reconnect({ ...request, count: 0 });
  // Their catch-up patches follow the handshake's answer.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const versions: Record<number, number> = {};
  let closed = 0;
  let gaps = 0;
  for (const socket of sockets) {
    const state = held.get(socket)!;
    if (socket.closed) closed++;
    gaps += state.gaps;
    versions[state.version ?? -1] = (versions[state.version ?? -1] ?? 0) + 1;
  }
  return { versions, closed, gaps, firstGaps: gapsSeen, readers: sockets.length };
}

async function collect(request: CollectRequest): Promise<Arrivals> {
  const complete = () => request.keys.every((key) => (arrivals.get(key)?.length ?? 0) >= request.perKey);
  const deadline = Date.now() + request.timeoutMs;
  while (!complete() && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      arrived = resolve;
      setTimeout(resolve, 50);
    });
  }
  arrived = undefined;
  const result: Arrivals = { at: {}, wireBytes: {} };
  for (const key of request.keys) {
    result.at[key] = arrivals.get(key) ?? [];
    result.wireBytes[key] = sizes.get(key) ?? 0;
    arrivals.delete(key);
    sizes.delete(key);
  }
  return result;
}

answer({
  join,
  collect,
  reconnect,
  holding,
  cpu: cpuMs,
  /** Forgets what arrived so far (e.g. the snapshots of a join storm). */
  reset: () => {
    arrivals.clear();
    sizes.clear();
  },
  close: () => {
    for (const socket of sockets.splice(0)) socket.close();
    held.clear();
  },
});
