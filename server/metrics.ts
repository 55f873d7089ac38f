import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { FrameCounts } from "./live/readers/reader-wire.js";
import type { SharedEvent } from "./live/shared-encoding.js";

/**
 * Every cache a node keeps, by name, each reporting the bytes it holds now: the
 * `live_ticker_cache_bytes{cache}` gauge, and docs/operations.md's table of their bounds.
 */
export type CacheGauges = Map<string, { readonly bytes: number }>;

/** What the gauges read when Prometheus scrapes: this node's state at that moment, nothing kept. */
export interface MetricSources {
  /** Socket.IO connections on this node. */
  sockets(): number;
  /** Readers per story, for the stories that have readers on this node. */
  audiences(): Iterable<readonly [storyId: string, readers: number]>;
  /** Bytes queued for sockets that are behind or lagging (see live/backpressure.ts). */
  queuedBytes(): number;
  /** Readers per story over every node, as this node last heard (live/audience/audience.ts). */
  storyReaders(): Iterable<readonly [storyId: string, readers: number]>;
  /** Frames written to readers, straight to their WebSocket or through engine.io (live/readers/reader-wire.ts). */
  frames?: Readonly<FrameCounts>;
  caches: CacheGauges;
  /** Breaking-news alerts pending or being sent, in the whole store (push/alert-outbox.ts). */
  outboxDepth?(): Promise<number>;
}

/**
 * The most stories a per-story gauge shows, the most read first: a label per story is a time series
 * per story, and a newsroom's archive must not become Prometheus's cardinality problem.
 */
export const STORY_SERIES = 100;

/** The `n` stories with the most readers (ties by id, so a scrape is stable). */
export function mostRead(audiences: Iterable<readonly [string, number]>, n: number): (readonly [string, number])[] {
  return [...audiences]
    .filter(([, readers]) => readers > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, n);
}

/**
 * The process's own metrics (CPU, memory, event-loop lag, GC, handles) in one registry per process:
 * prom-client samples them with timers and observers, which several apps in one process (tests,
 * the bench) must not multiply.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Some of the app's counters, as code that only counts sees them (unit tests pass plain objects). */
export type CountersOf<K extends keyof Metrics> = { readonly [P in K]: { inc: Metrics[P] extends { inc: infer Inc } ? Inc : never } };

/**
 * One app's metrics, in a registry of its own (never prom-client's global one), so that several
 * apps in one process count apart. `text()` is what `GET /metrics` answers.
 */
export class Metrics {
  readonly #registry = new Registry();
  readonly #scraped: Registry;

  readonly patchesSent = new Counter({
    name: "live_ticker_patches_sent_total",
    help: "Patch messages sent to readers, counted once per socket they went to.",
    registers: [this.#registry],
  });
  readonly bytesSent = new Counter({
    name: "live_ticker_sent_bytes_total",
    help: "Bytes of patch and snapshot messages sent to readers (encoded Socket.IO packet size times the sockets it went to).",
    registers: [this.#registry],
  });
  readonly subscribeSends = new Counter({
    name: "live_ticker_subscribe_sends_total",
    help: "What subscribers were sent to bring them level: kind=patch (one catch-up patch) or kind=snapshot.",
    labelNames: ["kind"] as const,
    registers: [this.#registry],
  });
  readonly serializations = new Counter({
    name: "live_ticker_serializations_total",
    help: "Messages turned into JSON, by event; each is serialized once however many readers it goes to.",
    labelNames: ["event"] as const,
    registers: [this.#registry],
  });
  readonly writeDuration = new Histogram({
    name: "live_ticker_write_duration_seconds",
    help: "Time from request to answer of acknowledged story writes (POST, PATCH, DELETE under /api/stories).",
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.#registry],
  });
  readonly rejected = new Counter({
    name: "live_ticker_rejected_total",
    help: "Requests and socket events answered with an error, by error code and by where they came from (via=http or socket).",
    labelNames: ["code", "via"] as const,
    registers: [this.#registry],
  });
  readonly readersBehind = new Counter({
    name: "live_ticker_readers_behind_total",
    help: "Times a reader was set aside on a story (passed by its fan-outs until it drained) because its outgoing queue passed the per-socket bound.",
    registers: [this.#registry],
  });
  readonly pushes = new Counter({
    name: "live_ticker_push_messages_total",
    help: "Web Push alerts this node posted to readers' push services, by outcome: sent (accepted), failed (refused or still failing after retries), removed (404/410: the subscription was forgotten).",
    labelNames: ["outcome"] as const,
    registers: [this.#registry],
  });
  readonly readersDropped = new Counter({
    name: "live_ticker_readers_dropped_total",
    help: "Readers disconnected because the outgoing queues of all sockets together passed the memory cap.",
    registers: [this.#registry],
  });

  constructor(sources: MetricSources) {
    // Counted as plain numbers on the hot path (one per reader per message) and read at each scrape.
    const frameCounter = (name: string, help: string, count: (frames: Readonly<FrameCounts>) => number) =>
      new Counter({
        name,
        help,
        registers: [this.#registry],
        collect() {
          this.reset();
          if (sources.frames) this.inc(count(sources.frames));
        },
      });
    frameCounter("live_ticker_frames_direct_total", "Frames written straight to a reader's WebSocket (nothing queued in engine.io before them).", (frames) => frames.direct);
    frameCounter(
      "live_ticker_frames_via_engine_total",
      "Frames handed to engine.io: polling readers, upgrades under way, readers with packets queued, or every frame if engine.io's internals were not as expected at startup.",
      (frames) => frames.viaEngine,
    );
    new Gauge({
      name: "live_ticker_connected_sockets",
      help: "Socket.IO connections on this node.",
      registers: [this.#registry],
      collect() {
        this.set(sources.sockets());
      },
    });
    new Gauge({
      name: "live_ticker_subscriptions",
      help: `Readers following each story on this node (only stories with readers here, the ${STORY_SERIES} most read).`,
      labelNames: ["storyId"] as const,
      registers: [this.#registry],
      collect() {
        // Rebuilt at every scrape, so a story whose readers have left disappears from the series.
        this.reset();
        for (const [storyId, readers] of mostRead(sources.audiences(), STORY_SERIES)) this.set({ storyId }, readers);
      },
    });
    new Gauge({
      name: "live_ticker_story_readers",
      help: `Readers of each story on all nodes together, as this node last heard from the others (the ${STORY_SERIES} most read stories; every node reports the same figure: aggregate with max, not sum).`,
      labelNames: ["story"] as const,
      registers: [this.#registry],
      collect() {
        this.reset();
        for (const [story, readers] of mostRead(sources.storyReaders(), STORY_SERIES)) this.set({ story }, readers);
      },
    });
    new Gauge({
      name: "live_ticker_queued_bytes",
      help: "Bytes waiting in the outgoing queues of lagging sockets on this node.",
      registers: [this.#registry],
      collect() {
        this.set(sources.queuedBytes());
      },
    });
    new Gauge({
      name: "live_ticker_cache_bytes",
      help: "Bytes each cache of this node holds (pages, JSON, feeds, versions, catch-ups…); every one is bounded in bytes (docs/operations.md).",
      labelNames: ["cache"] as const,
      registers: [this.#registry],
      collect() {
        for (const [cache, held] of sources.caches) this.set({ cache }, held.bytes);
      },
    });
    const outboxDepth = sources.outboxDepth;
    if (outboxDepth) {
      new Gauge({
        name: "live_ticker_push_outbox_depth",
        help: "Breaking-news alerts waiting in the push outbox or being sent (the whole store: every node reports the same figure).",
        registers: [this.#registry],
        async collect() {
          this.set(await outboxDepth());
        },
      });
    }
    this.#scraped = Registry.merge([processMetrics(), this.#registry]);
  }

  /** The hook for the Socket.IO encoder (live/shared-encoding.ts). */
  readonly serialized = (event: SharedEvent): void => this.serializations.inc({ event });

  get contentType(): string {
    return this.#scraped.contentType;
  }

  /** Prometheus text exposition format: this app's metrics and the process's. */
  text(): Promise<string> {
    return this.#scraped.metrics();
  }
}
