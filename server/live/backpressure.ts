import type { Logger } from "pino";
import type { PatchMessage } from "../../shared/protocol.js";
import type { CountersOf } from "../metrics.js";
import type { ReaderSession } from "./readers/reader-session.js";

/**
 * Bytes a reader's outgoing queue may hold before fan-outs pass it by: hundreds of patches or a
 * few snapshots of a big story. A reader on a working connection empties far less than that
 * between two versions; one that holds more is asleep, stalled or on a very slow link.
 */
export const SOCKET_QUEUE_LIMIT = 1024 * 1024;
/**
 * Bytes the queues of all readers on this node may hold together (each socket's counted in full,
 * though a broadcast's text is shared). Past it the laggiest readers are disconnected, which frees
 * their queues at once; they reconnect and catch up like any reconnecting reader.
 */
export const TOTAL_QUEUE_LIMIT = 256 * 1024 * 1024;

/** How often an address that seems past MAX_QUEUED_BYTES_PER_IP may have every lagging queue measured again. */
const REMEASURE_MS = 250;

export interface QueueLimits {
  socketBytes: number;
  totalBytes: number;
  /** MAX_QUEUED_BYTES_PER_IP: the queues of one client address's sockets together; unbounded when absent. */
  addressBytes?: number;
}

/** What backpressure asks of the fan-out around it. */
export interface BackpressureHooks {
  /** Take the reader out of the story's shard: fan-outs pass it by (it still follows the story). */
  passBy(session: ReaderSession, storyId: string): void;
  /** The reader set aside on the story, holding `version` of it (0: none), has drained: bring it level. */
  drained(session: ReaderSession, storyId: string, version: number): void;
}

/**
 * Per-reader backpressure for the hub's fan-outs and join answers, so that slow and dead readers
 * never slow the rest nor fill the memory. Before a patch goes to a shard, each reader in it
 * whose queue is past the bound, or whose address's queues together are past theirs, is taken out
 * of the shard (it still follows the story) and marked with the version it has (`behind`); a
 * joining reader's snapshot or catch-up is held back the same way (a reader that subscribes to many
 * stories and stops reading would otherwise queue each one). When its wire has written out all
 * but a quarter of the bound (hysteresis, so that a reader near the bound does not flap), the hub
 * brings it level with one catch-up and puts it back in a shard (`drained`). A reader's state is
 * its session's (live/readers/reader-session.ts); this keeps only node-wide sums and who lags.
 */
export class Backpressure {
  /** Readers last seen with something queued (their `lag`). */
  readonly #lagging = new Set<ReaderSession>();
  #queued = 0;
  /** Bytes queued for the lagging readers of each client address. */
  readonly #byAddress = new Map<string, number>();
  #remeasuredAt = -Infinity;

  constructor(
    private readonly limits: QueueLimits,
    private readonly hooks: BackpressureHooks,
    private readonly metrics: CountersOf<"readersBehind" | "readersDropped">,
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Bytes queued for the lagging readers, as last measured. */
  get queued(): number {
    return this.#queued;
  }

  /** The reader now has `version` of the story and is in one of its shards. */
  joined(session: ReaderSession, storyId: string, version: number): void {
    const following = session.stories.get(storyId);
    if (following) {
      following.version = version;
      delete following.behind;
    }
    this.#caughtUp(session);
  }

  /** The reader no longer follows the story (its session has let go of it). */
  left(session: ReaderSession): void {
    this.#caughtUp(session);
  }

  /** Whether the reader still waits to be brought level with the story from `version` (no unsubscribe or subscribe came first). */
  awaits(session: ReaderSession, storyId: string, version: number): boolean {
    return session.connected && session.stories.get(storyId)?.behind === version;
  }

  /**
   * Whether `message` may be sent to the reader; one whose queue is past the bound is set aside
   * instead. A reader that keeps up has nothing queued (its frames went straight to the kernel),
   * so only one with bytes waiting, or last seen lagging (to clear its tally), is measured: the
   * total held for all readers is known at every fan-out.
   */
  admits(session: ReaderSession, message: PatchMessage): boolean {
    if (session.lag === 0 && session.wire.queuedBytes() === 0) return true;
    if (this.#fits(session)) return true;
    // It has been sent every patch up to `message.from`, unless it joined while `message` was
    // going out, in which case it was given a later version: the larger of the two is what it has.
    this.#setAside(session, message.storyId, Math.max(session.stories.get(message.storyId)?.version ?? 0, message.from));
    return false;
  }

  /**
   * Whether a joining reader's answer may be queued for it now. If not, it is set aside on the
   * story with `version`, what it holds (0 for nothing), and is brought level once it drains; a
   * reader that never reads is never sent more.
   */
  admitsJoin(session: ReaderSession, storyId: string, version: number | undefined): boolean {
    if (this.#fits(session)) return true;
    this.#setAside(session, storyId, version ?? 0);
    return false;
  }

  /** After a join answer was queued: counted like a fan-out's frames, and past the cap on all queues the laggiest go. */
  sent(session: ReaderSession): void {
    this.#measure(session);
    this.settle();
  }

  /** After a shard's sends: past the cap on all queues together, the laggiest readers are disconnected. */
  settle(): void {
    if (this.#queued > this.limits.totalBytes) this.#shed();
  }

  /** The reader's connection is gone. */
  forget(session: ReaderSession): void {
    session.unwatch?.();
    delete session.unwatch;
    this.#count(session, -session.lag);
    session.lag = 0;
    this.#lagging.delete(session);
  }

  /**
   * Whether the reader's queue, and its address's queues together, are within their bounds
   * (measuring the reader's). Other readers' counts are as last measured, and some have drained
   * since without a fan-out to look again: an address that seems past its bound has every lagging
   * queue measured again first, at most every REMEASURE_MS, so that readers behind one NAT address
   * are not held back by bytes long gone.
   */
  #fits(session: ReaderSession): boolean {
    if (this.#measure(session) > this.limits.socketBytes) return false;
    const address = this.limits.addressBytes === undefined ? undefined : session.address;
    if (address === undefined) return true;
    const over = () => (this.#byAddress.get(address) ?? 0) > this.limits.addressBytes!;
    if (over() && this.now() - this.#remeasuredAt >= REMEASURE_MS) {
      this.#remeasuredAt = this.now();
      for (const lagging of [...this.#lagging]) this.#measure(lagging);
    }
    return !over();
  }

  #measure(session: ReaderSession): number {
    const bytes = session.wire.queuedBytes();
    this.#count(session, bytes - session.lag);
    session.lag = bytes;
    if (bytes > 0) this.#lagging.add(session);
    else this.#lagging.delete(session);
    return bytes;
  }

  /** Adds `delta` bytes to the total and to the reader's address. */
  #count(session: ReaderSession, delta: number): void {
    if (delta === 0) return;
    this.#queued += delta;
    const address = this.limits.addressBytes === undefined ? undefined : session.address;
    if (address === undefined) return;
    const bytes = (this.#byAddress.get(address) ?? 0) + delta;
    if (bytes > 0) this.#byAddress.set(address, bytes);
    else this.#byAddress.delete(address);
  }

  #setAside(session: ReaderSession, storyId: string, version: number): void {
    const following = session.stories.get(storyId);
    if (!following) return;
    this.hooks.passBy(session, storyId);
    following.behind = version;
    session.unwatch ??= session.wire.onDrained(() => {
      if (this.#measure(session) <= this.limits.socketBytes / 4) this.#drained(session);
    });
    this.metrics.readersBehind.inc();
  }

  /** The versions stay marked until the hub's catch-up joins (or a subscribe or unsubscribe overtakes it). */
  #drained(session: ReaderSession): void {
    session.unwatch?.();
    delete session.unwatch;
    for (const [storyId, following] of [...session.stories]) if (following.behind !== undefined) this.hooks.drained(session, storyId, following.behind);
  }

  #caughtUp(session: ReaderSession): void {
    if (!session.unwatch) return;
    for (const following of session.stories.values()) if (following.behind !== undefined) return;
    session.unwatch();
    delete session.unwatch;
  }

  /** Over the cap: look again at every lagging queue (some have drained since), then disconnect the largest until under it. */
  #shed(): void {
    for (const session of [...this.#lagging]) this.#measure(session);
    const laggiest = [...this.#lagging].sort((a, b) => b.lag - a.lag);
    for (const session of laggiest) {
      if (this.#queued <= this.limits.totalBytes) return;
      const bytes = session.lag;
      this.forget(session);
      this.metrics.readersDropped.inc();
      this.log.warn({ socketId: session.id, queuedBytes: bytes, totalQueuedBytes: this.#queued }, "disconnected a reader: outgoing queues past the memory cap");
      session.wire.terminate();
    }
  }
}
