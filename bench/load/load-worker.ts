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
    const auth = request.mode === "handshake" ? { stories: [{ id, version: Number(version) }] } : undefined;
    const socket = new LeanSocket(
      url,
      request.mode === "raw" ? "raw" : "socketio",
      (message) => {
        if (message.event === "snapshot" || message.event === "patch") gotState(message);
        record(message);
      },
      auth,
    );
    sockets.push(socket);
    try {
      await socket.opened;
      // Raw: open is all there is. Handshake: connected means subscribed, and a current reader is sent nothing.
      if (request.mode === "raw" || request.mode === "handshake") {
        firstStateMs.push(nowMs() - begun);
        return;
      }
      const ack = await socket.emitWithAck<{ ok: boolean }>("subscribe", { storyId, protocol: 1 });
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
  cpu: cpuMs,
  /** Forgets what arrived so far (e.g. the snapshots of a join storm). */
  reset: () => {
    arrivals.clear();
    sizes.clear();
  },
  close: () => {
    for (const socket of sockets.splice(0)) socket.close();
  },
});
