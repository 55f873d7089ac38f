import type { Logger } from "pino";
import type { Server, Socket } from "socket.io";
import { applyPatch, diffSnapshots } from "../../shared/patch.js";
import { roomOf, type ClientToServerEvents, type PatchMessage, type ServerToClientEvents } from "../../shared/protocol.js";
import type { Snapshot } from "../../shared/story.js";
import type { Committed, Store } from "../store/store.js";

/** Between nodes (through the Redis Streams adapter): every committed version, once. */
export interface InterServerEvents {
  version(patch: PatchMessage): void;
}

export type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;
export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** How many stories' latest snapshots stay in memory (least recently used go first). */
const CACHED_STORIES = 1_000;
/** How long a version that arrived ahead of its predecessor waits before the store fills the gap. */
const GAP_WAIT_MS = 1_000;
/** The widest hole the store fills version by version; wider ones become one patch. */
const REPLAY_LIMIT = 100;

/**
 * The live side of every story on this node: keeps each active story's latest snapshot in memory,
 * forwards each new version to the story's local room strictly in order (Socket.IO encodes a room
 * broadcast once for all its sockets), and brings a subscriber level. Subscribing and forwarding
 * touch the cache synchronously, so a subscriber gets exactly the versions after the state it was
 * sent, never a duplicate or a gap.
 *
 * With several nodes, each node announces its own commits to the others (`version`); a version
 * that arrives before its predecessor is held back, and if the predecessor does not follow
 * shortly (a lost message, Redis restarting) the node reads the store and forwards one patch.
 */
export class StoryHub {
  readonly #latest = new Map<string, Snapshot>();
  /** Versions that arrived ahead of their turn, per story, keyed by `from`. */
  readonly #waiting = new Map<string, Map<number, PatchMessage>>();
  readonly #gapTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly io: LiveServer,
    private readonly store: Store,
    private readonly log: Logger,
    private readonly cluster = false,
  ) {
    if (cluster) io.on("version", (patch) => this.#accept(patch));
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
    if (this.cluster) this.io.serverSideEmit("version", patch);
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
    const cached = this.#latest.get(patch.storyId);
    if (!cached) {
      // No reader here has been sent this story (or it left the cache): nothing to keep in order.
      if (snapshot) this.#remember(snapshot);
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
    this.#remember(snapshot ?? applyPatch(cached, patch.ops));
    this.io.local.to(roomOf(patch.storyId)).emit("patch", patch);
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
    const from = this.#latest.get(storyId)?.version;
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
      const cached = this.#latest.get(storyId)!; // re-read: versions may have been forwarded meanwhile
      if (step.version <= cached.version) continue;
      this.#advance(cached, step);
    }
    // Versions announced meanwhile that follow on from here go out as they came.
    for (const patch of held) this.#accept(patch);
  }

  /** Moves the cache from `cached` to the newer `next`, telling this node's readers of the story. */
  #advance(cached: Snapshot, next: Snapshot): void {
    this.#remember(next);
    this.io.local.to(roomOf(next.id)).emit("patch", { storyId: next.id, from: cached.version, to: next.version, ops: diffSnapshots(cached, next) });
  }

  #clearWaiting(storyId: string): void {
    clearTimeout(this.#gapTimers.get(storyId));
    this.#gapTimers.delete(storyId);
    this.#waiting.delete(storyId);
  }

  #followedStories(): string[] {
    return [...this.#latest.keys()].filter((storyId) => this.#hasReaders(storyId));
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
    const base = version !== undefined && version < loaded.version ? await this.store.snapshotAt(storyId, version) : undefined;
    if (!stillWanted()) return "cancelled";

    // From here on nothing awaits: the state sent and the room join happen before any later broadcast.
    const latest = this.#freshest(loaded);
    socket.join(roomOf(storyId));
    if (version === latest.version) return latest.version;
    const ops = base ? diffSnapshots(base, latest) : undefined;
    if (base && ops && JSON.stringify(ops).length < JSON.stringify(latest).length) {
      socket.emit("patch", { storyId, from: base.version, to: latest.version, ops });
    } else {
      socket.emit("snapshot", { storyId, snapshot: latest });
    }
    return latest.version;
  }

  unsubscribe(socket: LiveSocket, storyId: string): void {
    socket.leave(roomOf(storyId));
  }

  /**
   * The story's latest state. The cache is trusted only while readers here keep it current (and
   * the subscriber is not ahead of it); otherwise it may have missed versions, so the store decides.
   */
  async #load(storyId: string, version?: number): Promise<Snapshot | undefined> {
    const cached = this.#latest.get(storyId);
    if (cached && this.#hasReaders(storyId) && (version === undefined || version <= cached.version)) return cached;
    const stored = await this.store.latest(storyId);
    return stored && this.#freshest(stored);
  }

  /**
   * The newer of `candidate` and what the cache holds. Moving the cache forward tells the story's
   * readers here, so nobody is left on a version the cache has passed.
   */
  #freshest(candidate: Snapshot): Snapshot {
    const cached = this.#latest.get(candidate.id);
    if (cached && cached.version >= candidate.version) return cached;
    if (cached) this.#advance(cached, candidate);
    else this.#remember(candidate);
    return candidate;
  }

  #remember(snapshot: Snapshot): void {
    this.#latest.delete(snapshot.id);
    this.#latest.set(snapshot.id, snapshot);
    if (this.#latest.size <= CACHED_STORIES) return;
    // Forget the least recently used story that nobody here follows; followed ones must stay.
    for (const storyId of this.#latest.keys()) {
      if (!this.#hasReaders(storyId)) {
        this.#latest.delete(storyId);
        return;
      }
    }
  }
}
