import type { Logger } from "pino";
import type { ViewName } from "../../shared/view-names.js";
import type { Metrics } from "../metrics.js";
import type { Committed, Store } from "../store/store.js";
import type { CommitListener } from "../story-service.js";
import { Backpressure, SOCKET_QUEUE_LIMIT, TOTAL_QUEUE_LIMIT, type QueueLimits } from "./backpressure.js";
import { FanOut, type OtherWork } from "./fan-out.js";
import type { LiveServer } from "./live-server.js";
import type { ReaderSession } from "./readers/reader-session.js";
import { Sequencer, systemTimers, type JoinPlan } from "./sequencer.js";
import { frameMessage } from "./shared-encoding.js";
import { Turns } from "./turns.js";
import type { ViewProjector } from "./taken-versions.js";

/**
 * The live side of every story on this node, assembled: the sequencer (live/sequencer.ts) decides
 * what goes out and in which order, the fan-out (live/fan-out.ts) sends it to the story's rooms,
 * and backpressure (live/backpressure.ts) passes by readers that do not keep up and, once they
 * have drained, brings them level with one catch-up, as if they had subscribed again.
 *
 * With several nodes, each node announces its own commits to the others (`version`), and the
 * sequencer puts what it hears in order.
 */
export class StoryHub implements CommitListener {
  readonly #sequencer: Sequencer;
  readonly #fanOut: FanOut;
  readonly #backpressure: Backpressure;
  readonly #cluster: boolean;
  /** Joins take turns with the rest of the node, one piece of work per turn of the event loop. */
  readonly #turns = new Turns();

  constructor(
    private readonly io: LiveServer,
    store: Store,
    private readonly log: Logger,
    options: { metrics: Metrics; views: ViewProjector; cluster?: boolean; queueLimits?: QueueLimits; otherWork?: OtherWork },
  ) {
    this.#cluster = options.cluster ?? false;
    const limits = options.queueLimits ?? { socketBytes: SOCKET_QUEUE_LIMIT, totalBytes: TOTAL_QUEUE_LIMIT };
    this.#backpressure = new Backpressure(
      limits,
      { passBy: (session, storyId) => this.#fanOut.passBy(session, storyId), drained: (session, storyId, version) => this.#rejoin(session, storyId, version) },
      options.metrics,
      log,
    );
    this.#sequencer = new Sequencer(store, {
      followed: (storyId) => this.#fanOut.readers(storyId) > 0,
      ready: (storyId) => this.#fanOut.wake(storyId),
      failed: (error, storyId) => log.warn({ err: error, storyId }, "gap fill failed"),
      evicted: (storyId) => this.#fanOut.forget(storyId),
      turn: () => this.#turns.next(),
    }, systemTimers, options.views);
    this.#fanOut = new FanOut({
      take: (storyId) => this.#sequencer.take(storyId),
      backpressure: this.#backpressure,
      metrics: options.metrics,
      frameOf: (send) => frameMessage(io.encoder, send),
      ...(options.otherWork ? { otherWork: options.otherWork } : {}),
    });
    if (this.#cluster) io.on("version", (patch) => this.#sequencer.accept(patch));
  }

  /** Bytes queued for lagging readers on this node. */
  get queuedBytes(): number {
    return this.#backpressure.queued;
  }

  /** Readers per story, for the stories followed on this node. */
  *audiences(): Generator<readonly [string, number]> {
    for (const storyId of this.#sequencer.stories()) {
      const readers = this.#fanOut.readers(storyId);
      if (readers > 0) yield [storyId, readers];
    }
  }

  /** Cancels pending gap fills, before the store closes. */
  close(): void {
    this.#sequencer.close();
  }

  /** Views kept for returning readers (`live_ticker_cache_bytes{cache="recent-views"}`). */
  get recentViews(): { readonly bytes: number } {
    return this.#sequencer.recentViews;
  }

  /** Every durable commit on this node (a commit listener, server/story-service.ts). */
  committed(committed: Committed): void {
    const { snapshot, previous, ops } = committed;
    if (!committed.changed) return;
    if (!previous) return this.#sequencer.cacheCreated(snapshot); // a new story has no readers yet
    const patch = { storyId: snapshot.id, from: previous.version, to: snapshot.version, ops };
    this.#sequencer.accept(patch, snapshot);
    if (this.#cluster) this.io.serverSideEmit("version", patch);
  }

  /** Brings every story that has readers here level with the store (after a Redis outage). */
  resync(): Promise<void> {
    return this.#sequencer.resync();
  }

  /**
   * Joins the reader to the story's `view` and sends what it lacks of that view: nothing if it is
   * current, one patch from `version` if that is smaller than the snapshot, else the snapshot.
   * That answer is queued under the same bounds as a fan-out's patches: a reader (or address)
   * whose queue is past them is set aside and sent it once it has drained. The reader's session
   * already follows the story (the handlers put it there, with the subscribe's token).
   * Returns the version the reader now has, "not_found" for an unknown story, or "cancelled" when
   * `stillWanted` says the reader gave up (unsubscribed, or subscribed again) while the story was loading.
   */
  subscribe(
    session: ReaderSession,
    storyId: string,
    version: number | undefined,
    stillWanted: () => boolean,
    view: ViewName = "full",
  ): Promise<number | "not_found" | "cancelled"> {
    const admit = (plan: JoinPlan) => {
      this.#fanOut.join(session, storyId, view, plan.version);
      if (plan.send) {
        if (!this.#backpressure.admitsJoin(session, storyId, version)) return;
        this.#fanOut.sendTo(session, plan.send);
        this.#backpressure.sent(session);
      }
      this.#backpressure.joined(session, storyId, plan.version);
    };
    return this.#sequencer.join(storyId, version, stillWanted, admit, view);
  }

  unsubscribe(session: ReaderSession, storyId: string): void {
    this.#fanOut.leave(session, storyId);
    session.stories.delete(storyId);
    this.#backpressure.left(session);
  }

  /** The reader's connection closed. */
  disconnected(session: ReaderSession): void {
    for (const storyId of [...session.stories.keys()]) this.#fanOut.leave(session, storyId);
    session.stories.clear();
    this.#backpressure.forget(session);
  }

  /**
   * A reader that was passed by has drained: the same catch-up as a subscribe with the version it
   * has (one patch, or the snapshot when smaller; version 0: it had none, so the snapshot), unless
   * it subscribed or unsubscribed meanwhile.
   * Should that fail, closing its connection makes it reconnect and catch up by itself.
   */
  #rejoin(session: ReaderSession, storyId: string, version: number): void {
    const view = session.stories.get(storyId)?.view ?? "full";
    this.subscribe(session, storyId, version || undefined, () => this.#backpressure.awaits(session, storyId, version), view).catch((error: unknown) => {
      this.log.warn({ err: error, storyId, socketId: session.id }, "catch-up after a drain failed");
      session.wire.terminate();
    });
  }
}
