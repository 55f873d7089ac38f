import type { Logger } from "pino";
import type { ViewName } from "../../shared/view-names.js";
import type { Metrics } from "../metrics.js";
import type { Committed, Store } from "../store/store.js";
import { Backpressure, disconnectNow, SOCKET_QUEUE_LIMIT, TOTAL_QUEUE_LIMIT, type QueueLimits } from "./backpressure.js";
import { FanOut } from "./fan-out.js";
import type { LiveServer, LiveSocket } from "./live-server.js";
import { Sequencer, systemTimers } from "./sequencer.js";
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
export class StoryHub {
  readonly #sequencer: Sequencer;
  readonly #fanOut: FanOut;
  readonly #backpressure: Backpressure;
  readonly #cluster: boolean;
  /** Joins take turns with the rest of the node, one piece of work per turn of the event loop. */
  readonly #turns = new Turns();
  /** The view each reader follows of each story: kept here, as a reader set aside by backpressure is in no shard room. */
  readonly #views = new WeakMap<LiveSocket, Map<string, ViewName>>();

  constructor(
    private readonly io: LiveServer,
    store: Store,
    private readonly log: Logger,
    options: { metrics: Metrics; views: ViewProjector; cluster?: boolean; queueLimits?: QueueLimits; addressOf?: (socket: LiveSocket) => string | undefined },
  ) {
    this.#cluster = options.cluster ?? false;
    const limits = options.queueLimits ?? { socketBytes: SOCKET_QUEUE_LIMIT, totalBytes: TOTAL_QUEUE_LIMIT };
    this.#backpressure = new Backpressure(io, limits, (socket, storyId, version) => this.#rejoin(socket, storyId, version), options.metrics, log, options.addressOf);
    this.#sequencer = new Sequencer(store, {
      followed: (storyId) => this.#fanOut.readers(storyId) > 0,
      ready: (storyId) => this.#fanOut.wake(storyId),
      failed: (error, storyId) => log.warn({ err: error, storyId }, "gap fill failed"),
      evicted: (storyId) => this.#fanOut.forget(storyId),
      turn: () => this.#turns.next(),
    }, systemTimers, options.views);
    this.#fanOut = new FanOut(io, (storyId) => this.#sequencer.take(storyId), this.#backpressure, options.metrics);
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

  /** Called after every durable commit on this node. */
  publish(committed: Committed): void {
    const { snapshot, previous, ops } = committed;
    if (!committed.changed) return;
    if (!previous) return this.#sequencer.offer(snapshot); // a new story has no readers yet
    const patch = { storyId: snapshot.id, from: previous.version, to: snapshot.version, ops };
    this.#sequencer.accept(patch, snapshot);
    if (this.#cluster) this.io.serverSideEmit("version", patch);
  }

  /** Brings every story that has readers here level with the store (after a Redis outage). */
  resync(): Promise<void> {
    return this.#sequencer.resync();
  }

  /**
   * Joins `socket` to the story's `view` and sends what it lacks of that view: nothing if it is
   * current, one patch from `version` if that is smaller than the snapshot, else the snapshot.
   * That answer is queued under the same bounds as a fan-out's patches: a socket (or address)
   * whose queue is past them is set aside and sent it once it has drained.
   * Returns the version the socket now has, "not_found" for an unknown story, or "cancelled" when
   * `stillWanted` says the socket gave up (unsubscribed, or subscribed again) while the story was loading.
   */
  subscribe(
    socket: LiveSocket,
    storyId: string,
    version: number | undefined,
    stillWanted: () => boolean,
    view: ViewName = "full",
  ): Promise<number | "not_found" | "cancelled"> {
    const admit = (plan: { version: number; send?: Parameters<FanOut["sendTo"]>[1] }) => {
      let views = this.#views.get(socket);
      if (!views) this.#views.set(socket, (views = new Map()));
      views.set(storyId, view);
      const room = this.#fanOut.join(socket, storyId, view, plan.version);
      if (plan.send) {
        if (!this.#backpressure.admitsJoin(socket, room, storyId, version)) return;
        this.#fanOut.sendTo(socket, plan.send);
        this.#backpressure.sent(socket);
      }
      this.#backpressure.joined(socket, storyId, plan.version);
    };
    return this.#sequencer.join(storyId, version, stillWanted, admit, view);
  }

  unsubscribe(socket: LiveSocket, storyId: string): void {
    this.#fanOut.leave(socket, storyId);
    this.#backpressure.left(socket, storyId);
    this.#views.get(socket)?.delete(storyId);
  }

  /**
   * A reader that was passed by has drained: the same catch-up as a subscribe with the version it
   * has (one patch, or the snapshot when smaller; version 0: it had none, so the snapshot), unless
   * it subscribed or unsubscribed meanwhile.
   * Should that fail, closing its transport makes it reconnect and catch up by itself.
   */
  #rejoin(socket: LiveSocket, storyId: string, version: number): void {
    const view = this.#views.get(socket)?.get(storyId) ?? "full";
    this.subscribe(socket, storyId, version || undefined, () => this.#backpressure.awaits(socket, storyId, version), view).catch((error: unknown) => {
      this.log.warn({ err: error, storyId, socketId: socket.id }, "catch-up after a drain failed");
      disconnectNow(socket);
    });
  }
}
