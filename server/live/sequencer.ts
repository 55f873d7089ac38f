import { applyPatch, diffSnapshots } from "../../shared/patch.js";
import type { PatchMessage, SnapshotMessage } from "../../shared/protocol.js";
import type { Snapshot } from "../../shared/story.js";
import { LATEST_VIEW_ENTRIES, type ViewName } from "../../shared/view-names.js";
import { StoryViews } from "../story-views.js";
import { CATCH_UP_VERSIONS, JoinMessages } from "./join-messages.js";
import { RecentViews } from "./recent-views.js";
import { encodeOnce } from "./shared-encoding.js";
import { TakenVersions, type TakenStep, type ViewProjector } from "./taken-versions.js";

/** How many stories' latest snapshots stay in memory (least recently used go first; followed ones stay). */
const CACHED_STORIES = 1_000;
/** How long a version that arrived ahead of its predecessor waits before the store fills the gap. */
export const GAP_WAIT_MS = 1_000;
/** The widest hole the store fills version by version; wider ones become one patch. */
export const REPLAY_LIMIT = 100;
/**
 * Versions that queued up while the fan-out was busy still go out one patch each, up to this
 * many; a longer backlog means the desk writes faster than this node can send, and its readers
 * are brought level with one patch spanning it, as a reader that fell behind would be. Each
 * separate version costs one send per reader: at 10 (as it was), 20 writes/s to 10k readers kept
 * the node saturated and editors' writes waited hundreds of ms behind slices (bench scenario 7).
 */
export const SEPARATE_VERSIONS = 2;

/** The two things the sequencer reads of the store. */
export interface VersionSource {
  latest(storyId: string): Promise<Snapshot | undefined>;
  snapshotAt(storyId: string, version: number): Promise<Snapshot | undefined>;
}

/** Timers for gap fills; tests pass a fake clock. */
export interface Timers {
  set(run: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

export const systemTimers: Timers = { set: (run, ms) => setTimeout(run, ms), clear: (timer) => clearTimeout(timer as NodeJS.Timeout) };

/** What the sequencer asks of the node around it. */
export interface SequencerHooks {
  /** Whether readers on this node follow the story: only then does the cache stay current, and it is never evicted. */
  followed(storyId: string): boolean;
  /** The story has versions for its readers: `take` them when the fan-out is free. */
  ready(storyId: string): void;
  /** A read for a gap fill or resync failed; the next version or resync tries again. */
  failed(error: unknown, storyId: string): void;
  /** The story left the cache. */
  evicted(storyId: string): void;
  /**
   * Resolves when a join may do its next piece of work (live/turns.ts), so that many joins at once
   * take turns with the rest of the node; a join without it runs as soon as its reads resolve.
   */
  turn?(): Promise<void>;
}

/** The one message that brings a joining reader level: a catch-up patch or the snapshot. */
export type JoinAnswer = { event: "patch"; message: PatchMessage } | { event: "snapshot"; message: SnapshotMessage };

/** What a joining reader is sent to reach `version`: nothing when it is current. */
export interface JoinPlan {
  version: number;
  send?: JoinAnswer;
}

/** What this node holds for one story it has served. */
interface StoryState {
  /** The newest version this node knows, in order. */
  latest: Snapshot;
  /** The version its readers here have been handed (by `take`): what a joining reader gets. */
  sent: Snapshot;
  /** Steps from `sent` up to `latest`, waiting for the fan-out to take them. */
  queued: TakenStep[];
  /** The join messages of `sent`, per view. */
  joins?: { of: Snapshot; byView: Map<ViewName, JoinMessages> };
}

/**
 * The socket-free core of the live side: keeps each active story's latest snapshot, puts the
 * versions it hears of (this node's commits, other nodes' announcements) strictly in order, and
 * decides what goes to the story's readers and to a joining reader. It never sends: the fan-out
 * `take`s the next patches when it is free, and a join is handed its plan synchronously, so a
 * joiner gets exactly the versions after the state it was sent, never a duplicate or a gap.
 *
 * A version that arrives before its predecessor is held back; if the predecessor does not follow
 * within GAP_WAIT_MS (a lost message, Redis restarting) the store fills the gap, version by version
 * or as one patch when the hole is wide.
 */
export class Sequencer {
  readonly #stories = new Map<string, StoryState>();
  /** Versions that arrived ahead of their turn, per story, keyed by `from`. */
  readonly #waiting = new Map<string, Map<number, PatchMessage>>();
  readonly #gapTimers = new Map<string, unknown>();
  /** Views worked out for readers here, kept so that a returning reader's base needs no rebuild. */
  readonly recentViews = new RecentViews();
  /** Every projection for readers goes through here, so that the views made are the ones kept. */
  readonly #projector: ViewProjector;

  constructor(
    private readonly source: VersionSource,
    private readonly hooks: SequencerHooks,
    private readonly timers: Timers = systemTimers,
    views: ViewProjector = new StoryViews(LATEST_VIEW_ENTRIES.default),
  ) {
    this.#projector = {
      view: (snapshot, view) => {
        const projected = views.view(snapshot, view);
        this.recentViews.remember(view, projected);
        return projected;
      },
    };
  }

  /** The stories this node caches. */
  stories(): IterableIterator<string> {
    return this.#stories.keys();
  }

  /** Cancels pending gap fills, before the store closes. */
  close(): void {
    for (const storyId of [...this.#gapTimers.keys()]) this.#clearWaiting(storyId);
  }

  /** A version committed on this node (`snapshot` is its state) or announced by another (`patch` only). */
  accept(patch: PatchMessage, snapshot?: Snapshot): void {
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
    if (patch.from > cached.version) return this.#hold(patch);
    this.#forward(snapshot ?? applyPatch(cached, patch.ops), patch);
    const waiting = this.#waiting.get(patch.storyId);
    const next = waiting?.get(patch.to);
    if (next) {
      waiting!.delete(patch.to);
      this.accept(next);
    } else if (waiting?.size === 0) {
      this.#clearWaiting(patch.storyId);
    }
  }

  /** A story's first version, committed on this node: cached, so that its first readers need no read. */
  cacheCreated(snapshot: Snapshot): void {
    this.#advanceCacheTo(snapshot);
  }

  /**
   * The versions from what the story's readers were handed up to the latest, in order, as each
   * view's patches (each marked to be serialized once); more than SEPARATE_VERSIONS become one
   * spanning them. Empty when none.
   */
  take(storyId: string): TakenVersions {
    const state = this.#stories.get(storyId);
    if (!state || state.queued.length === 0) return new TakenVersions([], this.#projector);
    const queued = state.queued.splice(0);
    const steps =
      queued.length <= SEPARATE_VERSIONS
        ? queued
        : [{ from: state.sent, to: state.latest, message: { storyId, from: state.sent.version, to: state.latest.version, ops: diffSnapshots(state.sent, state.latest) } }];
    state.sent = state.latest;
    for (const step of steps) encodeOnce(step.message);
    return new TakenVersions(steps, this.#projector);
  }

  /**
   * Brings every followed story level with the store: after a Redis outage, nodes may have missed
   * versions that no later write will reveal. Cheap: one read per followed story.
   */
  async resync(): Promise<void> {
    const followed = [...this.#stories.keys()].filter((storyId) => this.hooks.followed(storyId));
    for (const storyId of followed) await this.#catchUp(storyId).catch((error: unknown) => this.hooks.failed(error, storyId));
  }

  /**
   * Works out what a reader holding `version` (or nothing) needs, and hands it to `admit`
   * synchronously with the state it reflects, so that the caller joins the reader to the story's
   * broadcasts before any later version goes out. Resolves to the version the reader then has,
   * "not_found", or "cancelled" when `stillWanted` says the reader gave up while the story loaded.
   */
  async join(
    storyId: string,
    version: number | undefined,
    stillWanted: () => boolean,
    admit: (plan: JoinPlan) => void,
    view: ViewName = "full",
  ): Promise<number | "not_found" | "cancelled"> {
    await this.hooks.turn?.();
    const loaded = await this.#load(storyId, version);
    if (!loaded) return "not_found";
    // A reader that gave up meanwhile, whose catch-up is already worked out, or that is too far
    // behind to be sent one (live/join-messages.ts), costs no rebuild.
    if (!stillWanted()) return "cancelled";
    const needsBase =
      version !== undefined && version < loaded.version && loaded.version - version <= CATCH_UP_VERSIONS && this.#joinsOf(storyId, view)?.known(version) === undefined;
    // A view projected here lately serves as the base (a view's view is itself); else the store rebuilds the version.
    const kept = needsBase ? this.recentViews.at(storyId, view, version) : undefined;
    const base = needsBase ? (kept ?? (await this.source.snapshotAt(storyId, version))) : undefined;
    // The rebuild of an old version and the diff from it are each a piece of work.
    if (needsBase) await this.hooks.turn?.();
    if (!stillWanted()) return "cancelled";

    // From here on nothing awaits: the plan and the caller's join happen before any later version is taken.
    this.#advanceCacheTo(loaded);
    const state = this.#stories.get(storyId)!;
    // A reader gets what the story's readers here were handed; versions still queued reach it with theirs.
    const current = state.sent;
    if (version !== undefined && version >= current.version && version <= state.latest.version) {
      admit({ version });
      return version;
    }
    const joins = this.#joinsOf(storyId, view)!;
    const patch = version === undefined ? null : joins.catchUp(version, base);
    admit({ version: current.version, send: patch ? { event: "patch", message: patch } : { event: "snapshot", message: joins.snapshot().message } });
    return current.version;
  }

  /** The join messages of what the story's readers were handed, in `view`. */
  #joinsOf(storyId: string, view: ViewName): JoinMessages | undefined {
    const state = this.#stories.get(storyId);
    if (!state) return undefined;
    if (state.joins?.of !== state.sent) state.joins = { of: state.sent, byView: new Map() };
    let joins = state.joins.byView.get(view);
    if (!joins) state.joins.byView.set(view, (joins = new JoinMessages(state.sent, (snapshot) => this.#projector.view(snapshot, view))));
    return joins;
  }

  #hold(patch: PatchMessage): void {
    let waiting = this.#waiting.get(patch.storyId);
    if (!waiting) this.#waiting.set(patch.storyId, (waiting = new Map()));
    waiting.set(patch.from, patch);
    if (!this.#gapTimers.has(patch.storyId)) this.#fill(patch.storyId, GAP_WAIT_MS);
  }

  /** Schedules a catch-up from the store for a story whose stream of versions has a hole. */
  #fill(storyId: string, afterMs: number): void {
    this.timers.clear(this.#gapTimers.get(storyId));
    const fill = () => this.#catchUp(storyId).catch((error: unknown) => this.hooks.failed(error, storyId));
    this.#gapTimers.set(storyId, this.timers.set(fill, afterMs));
  }

  /**
   * Forwards whatever the store has beyond what this node knows: version by version (a node that
   * died between its commit and its announcement leaves such a hole), or as one patch when the
   * hole is too wide to be worth replaying.
   */
  async #catchUp(storyId: string): Promise<void> {
    const held = [...(this.#waiting.get(storyId)?.values() ?? [])].sort((a, b) => a.from - b.from);
    this.#clearWaiting(storyId);
    const stored = await this.source.latest(storyId);
    const from = this.#stories.get(storyId)?.latest.version;
    if (!stored || from === undefined || stored.version <= from) return;
    const steps: Snapshot[] = [];
    if (stored.version - from <= REPLAY_LIMIT) {
      for (let version = from + 1; version < stored.version; version++) {
        const step = await this.source.snapshotAt(storyId, version);
        if (step) steps.push(step);
      }
    }
    steps.push(stored);
    for (const step of steps) {
      const cached = this.#stories.get(storyId)?.latest; // re-read: versions may have been forwarded meanwhile
      if (cached && step.version > cached.version) this.#forward(step);
    }
    // Versions announced meanwhile that follow on from here go out as they came.
    for (const patch of held) this.accept(patch);
  }

  /**
   * Makes the newer `next` the cached story's latest and queues the step to it for the story's
   * readers here; `patch` is the step when known (an announced version), else the two are diffed.
   */
  #forward(next: Snapshot, patch?: PatchMessage): void {
    const state = this.#stories.get(next.id)!;
    patch ??= { storyId: next.id, from: state.latest.version, to: next.version, ops: diffSnapshots(state.latest, next) };
    state.queued.push({ from: state.latest, to: next, message: patch });
    state.latest = next;
    this.#stories.delete(next.id); // most recently used last
    this.#stories.set(next.id, state);
    this.hooks.ready(next.id);
  }

  #clearWaiting(storyId: string): void {
    this.timers.clear(this.#gapTimers.get(storyId));
    this.#gapTimers.delete(storyId);
    this.#waiting.delete(storyId);
  }

  /**
   * The story's latest state. The cache is trusted only while readers here keep it current (and
   * the subscriber is not ahead of it); otherwise it may have missed versions, so the store decides.
   */
  async #load(storyId: string, version?: number): Promise<Snapshot | undefined> {
    const cached = this.#stories.get(storyId)?.latest;
    if (cached && this.hooks.followed(storyId) && (version === undefined || version <= cached.version)) return cached;
    const stored = await this.source.latest(storyId);
    return stored && this.#advanceCacheTo(stored);
  }

  /**
   * Moves the story's cache forward to `candidate` if it is newer (queuing the step for the story's
   * readers here, as `#forward` does) or starts caching it; returns the cache's latest after.
   */
  #advanceCacheTo(candidate: Snapshot): Snapshot {
    const cached = this.#stories.get(candidate.id)?.latest;
    if (cached && cached.version >= candidate.version) return cached;
    if (cached) this.#forward(candidate);
    else this.#adopt(candidate);
    return candidate;
  }

  /** Starts caching a story nobody here has been sent yet. */
  #adopt(snapshot: Snapshot): void {
    this.#stories.set(snapshot.id, { latest: snapshot, sent: snapshot, queued: [] });
    if (this.#stories.size <= CACHED_STORIES) return;
    // Forget the least recently used story that nobody here follows; followed ones must stay.
    for (const storyId of this.#stories.keys()) {
      if (!this.hooks.followed(storyId)) {
        this.#stories.delete(storyId);
        this.hooks.evicted(storyId);
        return;
      }
    }
  }
}
