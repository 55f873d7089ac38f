import type { Logger } from "pino";
import { applyPatch, diffSnapshots } from "../../shared/patch.js";
import { roomOf, type PatchMessage, type SnapshotMessage } from "../../shared/protocol.js";
import { Lru } from "../../shared/lru.js";
import type { Snapshot } from "../../shared/story.js";
import type { Metrics } from "../metrics.js";
import type { Committed, Store } from "../store/store.js";
import { Backpressure, disconnectNow, SOCKET_QUEUE_LIMIT, TOTAL_QUEUE_LIMIT, type QueueLimits } from "./backpressure.js";
import type { LiveServer, LiveSocket } from "./live-server.js";
import { encodedBytes, encodeOnce } from "./shared-encoding.js";

/** How many stories' latest snapshots stay in memory (least recently used go first). */
const CACHED_STORIES = 1_000;
/** How long a version that arrived ahead of its predecessor waits before the store fills the gap. */
const GAP_WAIT_MS = 1_000;
/** The widest hole the store fills version by version; wider ones become one patch. */
const REPLAY_LIMIT = 100;
/** A story's readers on this node are spread over this many rooms, so that a fan-out can pause between them. */
const SHARDS = 16;
/**
 * How long a fan-out may hold the event loop before it lets writes, joins and other stories in.
 * Shorter slices cost CPU (measured with 10k readers: 4 ms slices took ~30% more CPU per update
 * than none, 15 ms slices about the same as none), longer ones delay a write by up to a slice.
 */
const SLICE_MS = 15;
/**
 * Versions that queued up during a fan-out still go out one patch each, up to this many; a longer
 * backlog means the desk writes faster than this node can send, and its readers are brought level
 * with one patch spanning it, as a reader that fell behind would be.
 */
const SEPARATE_VERSIONS = 10;
/** Catch-ups kept per story, by the version readers come from (a cached page's, a reconnect's). */
const CATCH_UPS = 16;

/** The room of one of a story's reader shards (every reader is also in the story's own room). */
export const shardRoom = (storyId: string, shard: number) => `${roomOf(storyId)}#${shard}`;

/** What this node holds for one story it has served. */
interface StoryState {
  /** The newest version this node knows, in order. */
  latest: Snapshot;
  /** The version its readers here have been sent (or are being sent): what a joining reader gets. */
  sent: Snapshot;
  /** Patches from `sent` up to `latest`, waiting for the fan-out in progress to finish. */
  queued: PatchMessage[];
  /** The patches going out, in order, and the next shard room they go to. */
  outgoing?: { messages: PatchMessage[]; shard: number };
  /** A fan-out has handed the event loop back and will go on shortly. */
  paused: boolean;
  /** `sent` as a snapshot message and the length of its JSON (see #snapshotOf). */
  snapshotMessage?: { message: SnapshotMessage; jsonLength: number };
  /**
   * What a reader subscribing with an older version gets to reach `sent` (see #catchUpOf): by that
   * version, the encoded patch, or null when the snapshot is smaller. Valid while `sent` is `to`.
   */
  catchUps?: { to: Snapshot; byFrom: Lru<number, PatchMessage | null> };
  /** The shard room the next joining reader goes to. */
  nextShard: number;
  /** The story's room and its shard rooms, named once: every reader's room list shares these strings. */
  rooms: { story: string; shards: string[] };
}

/**
 * The live side of every story on this node: keeps each active story's latest snapshot in memory,
 * forwards each new version to the story's local readers strictly in order, and brings a
 * subscriber level. Subscribing and forwarding touch the cache synchronously, so a subscriber gets
 * exactly the versions after the state it was sent, never a duplicate or a gap.
 *
 * A fan-out to a big audience goes out shard room by shard room (each one encoded once, its
 * WebSocket frame built once) and hands the event loop back every few milliseconds, so an
 * editor's write is never stuck behind ten thousand sends. Versions committed meanwhile go out
 * after it, one patch each; only a backlog longer than SEPARATE_VERSIONS (the desk outpacing the
 * node) goes as one patch spanning it, the catch-up a reader that fell behind would get.
 *
 * A reader whose outgoing queue is past a bound is passed by (live/backpressure.ts) and, once it
 * has drained, brought level by one catch-up, as if it had subscribed again with its version.
 *
 * With several nodes, each node announces its own commits to the others (`version`); a version
 * that arrives before its predecessor is held back, and if the predecessor does not follow
 * shortly (a lost message, Redis restarting) the node reads the store and forwards one patch.
 */
export class StoryHub {
  readonly #stories = new Map<string, StoryState>();
  /** Versions that arrived ahead of their turn, per story, keyed by `from`. */
  readonly #waiting = new Map<string, Map<number, PatchMessage>>();
  readonly #gapTimers = new Map<string, NodeJS.Timeout>();
  readonly #backpressure: Backpressure;
  readonly #cluster: boolean;
  readonly #metrics: Metrics;

  constructor(
    private readonly io: LiveServer,
    private readonly store: Store,
    private readonly log: Logger,
    options: { metrics: Metrics; cluster?: boolean; queueLimits?: QueueLimits },
  ) {
    this.#cluster = options.cluster ?? false;
    this.#metrics = options.metrics;
    const limits = options.queueLimits ?? { socketBytes: SOCKET_QUEUE_LIMIT, totalBytes: TOTAL_QUEUE_LIMIT };
    this.#backpressure = new Backpressure(io, limits, (socket, storyId, version) => this.#rejoin(socket, storyId, version), options.metrics, log);
    if (this.#cluster) io.on("version", (patch) => this.#accept(patch));
  }

  /** Bytes queued for lagging readers on this node. */
  get queuedBytes(): number {
    return this.#backpressure.queued;
  }

  /** Readers per story, for the stories followed on this node. */
  *audiences(): Generator<readonly [string, number]> {
    for (const storyId of this.#stories.keys()) {
      const readers = this.io.sockets.adapter.rooms.get(roomOf(storyId))?.size ?? 0;
      if (readers > 0) yield [storyId, readers];
    }
  }

  /** Cancels pending gap fills, before the store closes. */
  close(): void {
    for (const storyId of [...this.#gapTimers.keys()]) this.#clearWaiting(storyId);
  }

  /** Called after every durable commit on this node. */
  publish(committed: Committed): void {
    const { snapshot, previous, ops } = committed;
    if (!committed.changed) return;
    if (!previous) return void this.#freshest(snapshot); // a new story has no readers yet
    const patch: PatchMessage = { storyId: snapshot.id, from: previous.version, to: snapshot.version, ops };
    this.#accept(patch, snapshot);
    if (this.#cluster) this.io.serverSideEmit("version", patch);
  }

  /**
   * Brings every story that has readers here level with the store: after a Redis outage, nodes
   * may have missed versions that no later write will reveal. Cheap: one read per followed story.
   */
  async resync(): Promise<void> {
    for (const storyId of this.#followedStories()) {
      await this.#catchUp(storyId).catch((error: unknown) => this.log.warn({ err: error, storyId }, "resync failed"));
    }
  }

  #accept(patch: PatchMessage, snapshot?: Snapshot): void {
    const cached = this.#stories.get(patch.storyId)?.latest;
    if (!cached) {
      // No reader here has been sent this story (or it left the cache): nothing to keep in order.
      if (snapshot) this.#adopt(snapshot);
      return;
    }
    if (patch.to <= cached.version) return; // already forwarded, or a subscriber loaded it
    if (patch.from < cached.version) {
      // It straddles what readers have (they were brought level by a catch-up): only the store
      // can say what lies between, and waiting would not help.
      this.#fill(patch.storyId, 0);
      return;
    }
    if (patch.from > cached.version) {
      this.#hold(patch);
      return;
    }
    this.#forward(snapshot ?? applyPatch(cached, patch.ops), patch);
    const next = this.#waiting.get(patch.storyId)?.get(patch.to);
    if (next) {
      this.#waiting.get(patch.storyId)!.delete(patch.to);
      this.#accept(next);
    } else if (this.#waiting.get(patch.storyId)?.size === 0) {
      this.#clearWaiting(patch.storyId);
    }
  }

  #hold(patch: PatchMessage): void {
    const waiting = this.#waiting.get(patch.storyId) ?? new Map<number, PatchMessage>();
    waiting.set(patch.from, patch);
    this.#waiting.set(patch.storyId, waiting);
    if (!this.#gapTimers.has(patch.storyId)) this.#fill(patch.storyId, GAP_WAIT_MS);
  }

  /** Schedules a catch-up from the store for a story whose stream of versions has a hole. */
  #fill(storyId: string, afterMs: number): void {
    clearTimeout(this.#gapTimers.get(storyId));
    const fill = () => this.#catchUp(storyId).catch((error: unknown) => this.log.warn({ err: error, storyId }, "gap fill failed"));
    this.#gapTimers.set(storyId, setTimeout(fill, afterMs));
  }

  /**
   * Forwards whatever the store has beyond what this node's readers were sent: version by version
   * (a node that died between its commit and its announcement leaves such a hole), or as one patch
   * when the hole is too wide to be worth replaying.
   */
  async #catchUp(storyId: string): Promise<void> {
    const held = [...(this.#waiting.get(storyId)?.values() ?? [])].sort((a, b) => a.from - b.from);
    this.#clearWaiting(storyId);
    const stored = await this.store.latest(storyId);
    const from = this.#stories.get(storyId)?.latest.version;
    if (!stored || from === undefined || stored.version <= from) return;
    const steps: Snapshot[] = [];
    if (stored.version - from <= REPLAY_LIMIT) {
      for (let version = from + 1; version < stored.version; version++) {
        const step = await this.store.snapshotAt(storyId, version);
        if (step) steps.push(step);
      }
    }
    steps.push(stored);
    for (const step of steps) {
      const cached = this.#stories.get(storyId)!.latest; // re-read: versions may have been forwarded meanwhile
      if (step.version <= cached.version) continue;
      this.#advance(cached, step);
    }
    // Versions announced meanwhile that follow on from here go out as they came.
    for (const patch of held) this.#accept(patch);
  }

  /** Moves the cache from `cached` to the newer `next`, telling this node's readers of the story. */
  #advance(cached: Snapshot, next: Snapshot): void {
    this.#forward(next, { storyId: next.id, from: cached.version, to: next.version, ops: diffSnapshots(cached, next) });
  }

  /** Makes `next` (reached by `patch` from the cached latest) the story's latest, and sends it to its readers here. */
  #forward(next: Snapshot, patch: PatchMessage): void {
    const state = this.#stories.get(next.id)!;
    state.latest = next;
    state.queued.push(patch);
    this.#stories.delete(next.id); // most recently used last
    this.#stories.set(next.id, state);
    if (!state.paused) this.#fanOut(state);
  }

  /**
   * Sends queued versions to the story's shard rooms, in order, until none is left; when the slice
   * is used up it pauses and goes on at a later turn of the event loop. A fan-out that fits in one
   * slice (an audience of a few thousand) ends before `#forward` returns: one message per version.
   */
  #fanOut(state: StoryState): void {
    const sliceStart = performance.now();
    while (state.outgoing || state.queued.length > 0) {
      if (!state.outgoing) {
        const steps = state.queued.splice(0);
        const messages =
          steps.length <= SEPARATE_VERSIONS
            ? steps
            : [{ storyId: state.latest.id, from: state.sent.version, to: state.latest.version, ops: diffSnapshots(state.sent, state.latest) }];
        state.sent = state.latest;
        state.outgoing = { messages: messages.map(encodeOnce), shard: 0 };
      }
      const { messages, shard } = state.outgoing;
      const roomName = state.rooms.shards[shard]!;
      const room = this.io.local.to(roomName);
      for (const message of messages) {
        const readers = this.#backpressure.screen(roomName, message);
        if (readers === 0) continue;
        room.emit("patch", message);
        this.#metrics.patchesSent.inc(readers);
        this.#metrics.bytesSent.inc(readers * encodedBytes(message));
      }
      state.outgoing = shard + 1 < SHARDS ? { messages, shard: shard + 1 } : undefined;
      // At least one shard per slice, so that even a starved process makes progress.
      if ((state.outgoing || state.queued.length > 0) && performance.now() - sliceStart >= SLICE_MS) {
        state.paused = true;
        setImmediate(() => {
          state.paused = false;
          this.#fanOut(state);
        });
        return;
      }
    }
  }

  #clearWaiting(storyId: string): void {
    clearTimeout(this.#gapTimers.get(storyId));
    this.#gapTimers.delete(storyId);
    this.#waiting.delete(storyId);
  }

  #followedStories(): string[] {
    return [...this.#stories.keys()].filter((storyId) => this.#hasReaders(storyId));
  }

  /** Whether sockets on this node follow the story (the adapter's rooms are this node's). */
  #hasReaders(storyId: string): boolean {
    return (this.io.of("/").adapter.rooms.get(roomOf(storyId))?.size ?? 0) > 0;
  }

  /**
   * Joins `socket` to the story and sends what it lacks: nothing if it is current, one patch from
   * `version` if that is smaller than the snapshot, else the snapshot. Returns the version the
   * socket now has, "not_found" for an unknown story, or "cancelled" when `stillWanted` says the
   * socket gave up (unsubscribed, or subscribed again) while the story was loading.
   */
  async subscribe(
    socket: LiveSocket,
    storyId: string,
    version: number | undefined,
    stillWanted: () => boolean,
  ): Promise<number | "not_found" | "cancelled"> {
    const loaded = await this.#load(storyId, version);
    if (!loaded) return "not_found";
    // A reader that gave up meanwhile, or whose catch-up is already worked out, costs no rebuild.
    if (!stillWanted()) return "cancelled";
    const needsBase = version !== undefined && version < loaded.version && this.#knownCatchUp(storyId, version) === undefined;
    const base = needsBase ? await this.store.snapshotAt(storyId, version) : undefined;
    if (!stillWanted()) return "cancelled";

    // From here on nothing awaits: the state sent and the room join happen before any later fan-out.
    this.#freshest(loaded);
    const state = this.#stories.get(storyId)!;
    socket.join([state.rooms.story, state.rooms.shards[this.#shardOf(socket, state) ?? this.#nextShard(state)]!]);
    // A reader gets what the story's readers here were sent; versions still queued reach it with theirs.
    const current = state.sent;
    if (version !== undefined && version >= current.version && version <= state.latest.version) {
      this.#backpressure.joined(socket, storyId, version);
      return version;
    }
    const patch = version === undefined ? null : this.#catchUpOf(state, version, base);
    if (patch) {
      socket.emit("patch", patch);
      this.#sentAlone("patch", patch);
    } else {
      const sent = this.#snapshotOf(state);
      socket.emit("snapshot", sent.message);
      this.#sentAlone("snapshot", sent.message);
    }
    this.#backpressure.joined(socket, storyId, current.version);
    return current.version;
  }

  unsubscribe(socket: LiveSocket, storyId: string): void {
    // A followed story is never evicted, so a reader of it finds its rooms here.
    const state = this.#stories.get(storyId);
    if (state) {
      socket.leave(state.rooms.story);
      const shard = this.#shardOf(socket, state);
      if (shard !== undefined) socket.leave(state.rooms.shards[shard]!);
    }
    this.#backpressure.left(socket, storyId);
  }

  /**
   * `sent` as a snapshot message, and its JSON's length (what a catch-up patch must beat), both
   * worked out once per version however many readers join or catch up.
   */
  #snapshotOf(state: StoryState): { message: SnapshotMessage; jsonLength: number } {
    if (state.snapshotMessage?.message.snapshot !== state.sent) {
      state.snapshotMessage = { message: encodeOnce({ storyId: state.sent.id, snapshot: state.sent }), jsonLength: JSON.stringify(state.sent).length };
    }
    return state.snapshotMessage;
  }

  /**
   * The one patch from `from` to `sent`, encoded, or null when the snapshot is smaller (or `base`,
   * the snapshot at `from`, is missing). Worked out once per version pair: many readers of a cached
   * page come from the same version, and the diff of a big story is not free.
   */
  #catchUpOf(state: StoryState, from: number, base: Snapshot | undefined): PatchMessage | null {
    if (state.catchUps?.to !== state.sent) state.catchUps = { to: state.sent, byFrom: new Lru(CATCH_UPS) };
    const known = state.catchUps.byFrom.get(from);
    if (known !== undefined) return known;
    if (!base || base.version !== from) return null; // not cached after all (`sent` moved on): the snapshot is right too
    const ops = diffSnapshots(base, state.sent);
    const smaller = JSON.stringify(ops).length < this.#snapshotOf(state).jsonLength;
    return state.catchUps.byFrom.set(from, smaller ? encodeOnce({ storyId: state.sent.id, from, to: state.sent.version, ops }) : null);
  }

  /** The catch-up from `from` if it is already worked out for what the story's readers here were sent. */
  #knownCatchUp(storyId: string, from: number): PatchMessage | null | undefined {
    const state = this.#stories.get(storyId);
    return state && state.catchUps?.to === state.sent ? state.catchUps.byFrom.get(from) : undefined;
  }

  /** The shard room a reader of the story is already in: a subscribe again keeps it there, or it would get every patch twice. */
  #shardOf(socket: LiveSocket, state: StoryState): number | undefined {
    for (let shard = 0; shard < SHARDS; shard++) if (socket.rooms.has(state.rooms.shards[shard]!)) return shard;
    return undefined;
  }

  #nextShard(state: StoryState): number {
    const shard = state.nextShard;
    state.nextShard = (shard + 1) % SHARDS;
    return shard;
  }

  /** Counts a message sent to one subscriber (the encoder has just sized it). */
  #sentAlone(kind: "patch" | "snapshot", message: object): void {
    this.#metrics.subscribeSends.inc({ kind });
    if (kind === "patch") this.#metrics.patchesSent.inc();
    this.#metrics.bytesSent.inc(encodedBytes(message));
  }

  /**
   * A reader that was passed by has drained: the same catch-up as a subscribe with the version it
   * has (one patch, or the snapshot when smaller), unless it subscribed or unsubscribed meanwhile.
   * Should that fail, closing its transport makes it reconnect and catch up by itself.
   */
  #rejoin(socket: LiveSocket, storyId: string, version: number): void {
    this.subscribe(socket, storyId, version, () => this.#backpressure.awaits(socket, storyId, version)).catch((error: unknown) => {
      this.log.warn({ err: error, storyId, socketId: socket.id }, "catch-up after a drain failed");
      disconnectNow(socket);
    });
  }

  /**
   * The story's latest state. The cache is trusted only while readers here keep it current (and
   * the subscriber is not ahead of it); otherwise it may have missed versions, so the store decides.
   */
  async #load(storyId: string, version?: number): Promise<Snapshot | undefined> {
    const cached = this.#stories.get(storyId)?.latest;
    if (cached && this.#hasReaders(storyId) && (version === undefined || version <= cached.version)) return cached;
    const stored = await this.store.latest(storyId);
    return stored && this.#freshest(stored);
  }

  /**
   * The newer of `candidate` and what the cache holds. Moving the cache forward tells the story's
   * readers here, so nobody is left on a version the cache has passed.
   */
  #freshest(candidate: Snapshot): Snapshot {
    const cached = this.#stories.get(candidate.id)?.latest;
    if (cached && cached.version >= candidate.version) return cached;
    if (cached) this.#advance(cached, candidate);
    else this.#adopt(candidate);
    return candidate;
  }

  /** Starts caching a story nobody here has been sent yet. */
  #adopt(snapshot: Snapshot): void {
    const rooms = { story: roomOf(snapshot.id), shards: Array.from({ length: SHARDS }, (_, shard) => shardRoom(snapshot.id, shard)) };
    this.#stories.set(snapshot.id, { latest: snapshot, sent: snapshot, queued: [], paused: false, nextShard: 0, rooms });
    if (this.#stories.size <= CACHED_STORIES) return;
    // Forget the least recently used story that nobody here follows; followed ones must stay.
    for (const storyId of this.#stories.keys()) {
      if (!this.#hasReaders(storyId)) {
        this.#stories.delete(storyId);
        return;
      }
    }
  }
}
