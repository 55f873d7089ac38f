import type { PatchMessage } from "../../shared/protocol.js";
import { VIEW_NAMES, type ViewName } from "../../shared/view-names.js";
import type { CountersOf } from "../metrics.js";
import type { Backpressure } from "./backpressure.js";
import type { ReaderSession } from "./readers/reader-session.js";
import type { Frame } from "./readers/reader-wire.js";
import { encodedBytes } from "./shared-encoding.js";
import type { JoinAnswer } from "./sequencer.js";
import type { TakenVersions } from "./taken-versions.js";

/**
 * A story's readers on this node are spread over this many shards per view: a fan-out hands the
 * event loop back only between shards, so at 10k readers one shard is 2–3 ms of sends.
 */
export const SHARDS = 64;
/**
 * Readers go to shards in runs of this many, in the order they joined, so that a shard's sends
 * visit sockets the kernel accepted one after another and laid out side by side: spread one by one,
 * each send touched memory the last did not (bench scenario 1 at 10k readers: server CPU per
 * update 1.38× raw `ws` spread one by one, 1.29–1.30× in runs of 64).
 */
export const SHARD_RUN = 64;
/**
 * How long a fan-out may hold the event loop before it lets writes, joins and other stories in,
 * while editors' writes come in quick succession. Each hand-back costs CPU (measured with 10k
 * readers: 4 ms slices took ~30% more CPU per update than none), a longer slice delays a write.
 */
export const SLICE_MS = 15;
/**
 * The slice when the desk is calm (a write now and then, a newsroom's usual pace): few hand-backs,
 * so a fan-out costs about what one pass would; a write that comes in the middle is noticed at its
 * first turn, and from then on the fan-out's slices are WRITE_WAITING_SLICE_MS (`waiting`).
 */
export const CALM_SLICE_MS = 50;

/**
 * The slice while an editor's write is being served: about one shard at 10k readers, so each turn
 * the write needs waits milliseconds, while a small audience still goes out in one turn (handing
 * back after every shard would split even a handful of readers into many fan-outs' worth of turns,
 * and versions would pile up into ever larger coalesced patches).
 */
export const WRITE_WAITING_SLICE_MS = 2;

/** What else wants the event loop: editors' writes (server/http/write-traffic.ts). */
export interface OtherWork {
  /** Some is being served now: keep slices to WRITE_WAITING_SLICE_MS. */
  waiting(): boolean;
  /** It has been arriving in quick succession: keep slices short. */
  busy(): boolean;
}

const NO_OTHER_WORK: OtherWork = { waiting: () => false, busy: () => false };

/** Every shard of every view, in the order a fan-out visits them. */
const SHARDS_IN_ORDER = VIEW_NAMES.flatMap((view) => Array.from({ length: SHARDS }, (_, shard) => ({ view, shard })));

/** A story's readers on this node. */
interface Audience {
  /** Every reader following the story, in a shard or set aside by backpressure. */
  readers: Set<ReaderSession>;
  /** Per view, its shards' readers. */
  shards: Record<ViewName, Set<ReaderSession>[]>;
  /** Readers who have joined so far: where the next one goes (SHARD_RUN). */
  joined: number;
  /**
   * The versions going out, the index in SHARDS_IN_ORDER of the next shard they go to, and the
   * readers who joined while they were going out, with the version their join gave them: a shard
   * the fan-out reaches after such a join must not send that reader again what its join answer
   * already brought it.
   */
  outgoing?: { taken: TakenVersions; shard: number; joinedMeanwhile: Map<ReaderSession, number> };
  /** A fan-out has handed the event loop back and will go on shortly. */
  paused: boolean;
}

/** What the fan-out needs from around it; tests pass fakes and a fake clock. */
export interface FanOutParts {
  /** The story's next versions to send (live/sequencer.ts). */
  take(storyId: string): TakenVersions;
  backpressure: Backpressure;
  metrics: CountersOf<"patchesSent" | "bytesSent" | "subscribeSends">;
  /** The message's Socket.IO packet, framed once for every reader (live/shared-encoding.ts). */
  frameOf(send: JoinAnswer): Frame;
  now?: () => number;
  /** Runs `work` at a later turn of the event loop, after pending I/O. */
  later?: (work: () => void) => void;
  /** What the fan-out shares the loop with, to size its slices; none when absent. */
  otherWork?: OtherWork;
}

/**
 * Sends a story's versions to its readers on this node; it decides nothing about what they are.
 * When woken it `take`s the next patches (live/sequencer.ts) and sends them shard by shard, each
 * framed once for every reader, handing the event loop back between shards when a slice is used
 * up (CALM_SLICE_MS, SLICE_MS, or WRITE_WAITING_SLICE_MS while an editor's write is being served),
 * so that a write is never stuck behind ten thousand sends; versions that come meanwhile are taken
 * after.
 * It keeps who is in which shard; the rest of a reader's state is its session's.
 */
export class FanOut {
  readonly #stories = new Map<string, Audience>();
  readonly #now: () => number;
  readonly #later: (work: () => void) => void;
  readonly #otherWork: OtherWork;

  constructor(private readonly parts: FanOutParts) {
    this.#now = parts.now ?? (() => performance.now());
    this.#later = parts.later ?? ((work) => void setImmediate(work));
    this.#otherWork = parts.otherWork ?? NO_OTHER_WORK;
  }

  /** Readers of the story on this node. */
  readers(storyId: string): number {
    return this.#stories.get(storyId)?.readers.size ?? 0;
  }

  /**
   * Puts the reader in the broadcasts of the story's `view`. A reader already in a shard stays in
   * that shard, or it would get every patch twice; one that asks for another view moves to it.
   * `version` is what the reader holds once its join answer is sent.
   */
  join(session: ReaderSession, storyId: string, view: ViewName, version: number): void {
    const following = session.stories.get(storyId);
    if (!following) return;
    const audience = this.#audienceOf(storyId);
    audience.outgoing?.joinedMeanwhile.set(session, version);
    if (following.shard !== undefined) audience.shards[following.view][following.shard]!.delete(session);
    following.shard ??= Math.floor(audience.joined++ / SHARD_RUN) % SHARDS;
    following.view = view;
    audience.readers.add(session);
    audience.shards[view][following.shard]!.add(session);
  }

  /** Takes the reader out of the story's shard: fan-outs pass it by until it joins again. */
  passBy(session: ReaderSession, storyId: string): void {
    const following = session.stories.get(storyId);
    if (following?.shard !== undefined) this.#stories.get(storyId)?.shards[following.view][following.shard]!.delete(session);
  }

  /** The reader no longer follows the story (call before its session lets go of it). */
  leave(session: ReaderSession, storyId: string): void {
    this.passBy(session, storyId);
    this.#stories.get(storyId)?.readers.delete(session);
  }

  /** Sends a joining reader its own message (framed once per version, however many join). */
  sendTo(session: ReaderSession, send: JoinAnswer): void {
    session.wire.send(this.parts.frameOf(send));
    const { metrics } = this.parts;
    metrics.subscribeSends.inc({ kind: send.event });
    if (send.event === "patch") metrics.patchesSent.inc();
    metrics.bytesSent.inc(encodedBytes(send.message));
  }

  /**
   * The story has patches to take: they go out at the next turn of the event loop, so that the
   * write that made them is answered first (its POST→201 never includes a fan-out), unless a
   * fan-out of the story is already under way or due (it takes them after).
   */
  wake(storyId: string): void {
    const audience = this.#audienceOf(storyId);
    if (!audience.paused) this.#resumeSoon(storyId, audience);
  }

  /** The story left the sequencer's cache: nobody here follows it. */
  forget(storyId: string): void {
    const audience = this.#stories.get(storyId);
    if (audience && !audience.paused && audience.readers.size === 0) this.#stories.delete(storyId);
  }

  /**
   * Sends taken versions to the story's shards, in order, until none is left; when the slice is
   * used up (a short one while a write waits), it pauses and goes on at a later turn of the event
   * loop. A fan-out that fits in one slice (an audience of a few thousand) goes out in one turn.
   */
  #fanOut(storyId: string, audience: Audience): void {
    const sliceStart = this.#now();
    const slice = this.#otherWork.busy() ? SLICE_MS : CALM_SLICE_MS;
    for (;;) {
      if (!audience.outgoing) {
        const taken = this.parts.take(storyId);
        if (taken.length === 0) return;
        audience.outgoing = { taken, shard: 0, joinedMeanwhile: new Map() };
      }
      const { taken, shard: index, joinedMeanwhile } = audience.outgoing;
      const { view, shard } = SHARDS_IN_ORDER[index]!;
      const members = audience.shards[view][shard]!;
      // An empty shard costs nothing, not even its view's patches.
      if (members.size > 0) for (const message of taken.of(view)) this.#sendToShard(members, message, joinedMeanwhile);
      audience.outgoing = index + 1 < SHARDS_IN_ORDER.length ? { taken, shard: index + 1, joinedMeanwhile } : undefined;
      // At least one shard per slice, so that even a starved process makes progress.
      if (!audience.outgoing) continue;
      const spent = this.#now() - sliceStart;
      if (spent >= slice || (spent >= WRITE_WAITING_SLICE_MS && this.#otherWork.waiting())) return this.#resumeSoon(storyId, audience);
    }
  }

  /** One patch to the readers of one shard; backpressure judges each reader as it goes. */
  #sendToShard(members: Set<ReaderSession>, message: PatchMessage, joinedMeanwhile: ReadonlyMap<ReaderSession, number>): void {
    const { backpressure, metrics } = this.parts;
    const frame = this.parts.frameOf({ event: "patch", message });
    let readers = 0;
    // A reader set aside here leaves `members` as it goes: a Set's iteration allows that.
    for (const session of members) {
      if (!session.connected) continue;
      if (joinedMeanwhile.size > 0 && (joinedMeanwhile.get(session) ?? 0) >= message.to) continue;
      if (!backpressure.admits(session, message)) continue;
      session.wire.send(frame);
      readers++;
    }
    backpressure.settle();
    metrics.patchesSent.inc(readers);
    metrics.bytesSent.inc(readers * encodedBytes(message));
  }

  #resumeSoon(storyId: string, audience: Audience): void {
    audience.paused = true;
    this.#later(() => {
      audience.paused = false;
      this.#fanOut(storyId, audience);
    });
  }

  #audienceOf(storyId: string): Audience {
    let audience = this.#stories.get(storyId);
    if (!audience) {
      const shards = Object.fromEntries(VIEW_NAMES.map((view) => [view, Array.from({ length: SHARDS }, () => new Set<ReaderSession>())])) as Record<ViewName, Set<ReaderSession>[]>;
      this.#stories.set(storyId, (audience = { readers: new Set(), shards, joined: 0, paused: false }));
    }
    return audience;
  }
}
