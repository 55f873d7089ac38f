import { z } from "zod";
import { AudienceHistory, type AudienceSample } from "../../../shared/audience-history.js";
import { NodeReports, type NodeReport } from "../../../shared/node-reports.js";

/**
 * How often each node tells the others its readers per story. The desk shows the count every few
 * seconds; one small message per node per interval costs nothing next to the readers' patches.
 */
export const AUDIENCE_REPORT_MS = 2_000;
/** A node not heard from for this long (a crash, a cut link) no longer counts. */
const REPORT_TTL_MS = 3 * AUDIENCE_REPORT_MS + 1_000;
/** One sample a minute, an hour of them: the sparkline's points. */
export const AUDIENCE_SAMPLE_MS = 60_000;
export const AUDIENCE_WINDOW_MS = 60 * 60_000;
/** Stories with an hour of samples kept: far more than a newsroom runs live at once (about 1 kB each). */
const STORIES_KEPT = 1_000;

/** A node's readers per story (only stories with readers there). */
export type NodeAudience = Record<string, number>;

/** A report as it comes from Redis, checked before it is counted (see presence.ts). */
const AudienceReport = z.object({ node: z.string(), seq: z.number().int(), state: z.record(z.string(), z.number().int().nonnegative()) });

export interface AudienceInterServerEvents {
  audience(report: NodeReport<NodeAudience>): void;
}

/** The part of the readers' namespace this uses, clustered: messages between nodes. */
export interface AudienceNamespace {
  serverSideEmit(event: "audience", report: NodeReport<NodeAudience>): boolean;
  on(event: "audience", listener: (report: NodeReport<NodeAudience>) => void): unknown;
}

export interface AudienceOptions {
  node: string;
  /** With several nodes (Redis): the namespace their reports travel on. */
  cluster?: AudienceNamespace;
  /** This node's readers per story, counted now (the hub's rooms). */
  local: () => Iterable<readonly [storyId: string, readers: number]>;
  reportMs?: number;
  sampleMs?: number;
}

/**
 * How many are reading each story, over every node (issue 19), and the last hour of it. Each node
 * counts its own readers (the size of a story's room: no fetchSockets over the audience) and, with
 * Redis, reports its counts to the others every AUDIENCE_REPORT_MS; a story's readers are this
 * node's count now plus the last count each other node reported. Every AUDIENCE_SAMPLE_MS the
 * totals are sampled into a bounded ring per story, kept here so that a desk opened now sees the
 * hour before (each node keeps its own rings; a node started recently knows a shorter past).
 */
export class Audience {
  readonly #peers = new NodeReports<NodeAudience>(REPORT_TTL_MS);
  readonly #history: AudienceHistory;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #sampleMs: number;
  #seq = 0;

  constructor(private readonly options: AudienceOptions) {
    this.#sampleMs = options.sampleMs ?? AUDIENCE_SAMPLE_MS;
    this.#history = new AudienceHistory(Math.ceil(AUDIENCE_WINDOW_MS / this.#sampleMs), STORIES_KEPT);
    const { cluster } = options;
    if (cluster) {
      cluster.on("audience", (message) => {
        const report = AudienceReport.safeParse(message);
        if (report.success && report.data.node !== options.node) this.#peers.accept(report.data, Date.now());
      });
      this.#every(options.reportMs ?? AUDIENCE_REPORT_MS, () => {
        cluster.serverSideEmit("audience", { node: options.node, seq: ++this.#seq, state: Object.fromEntries(options.local()) });
        this.#peers.expire(Date.now());
      });
    }
    this.#every(this.#sampleMs, () => this.sample(Date.now()));
  }

  /** Readers of every story with readers anywhere, as this node knows them now. */
  totals(): Map<string, number> {
    const totals = new Map<string, number>();
    const add = (storyId: string, readers: number) => totals.set(storyId, (totals.get(storyId) ?? 0) + readers);
    for (const [storyId, readers] of this.options.local()) add(storyId, readers);
    for (const report of this.#peers.states()) for (const [storyId, readers] of Object.entries(report)) add(storyId, readers);
    return totals;
  }

  readers(storyId: string): number {
    return this.totals().get(storyId) ?? 0;
  }

  /** The story's samples of the last hour, oldest first, and how far apart they are taken. */
  history(storyId: string, now = Date.now()): { sampleMs: number; samples: AudienceSample[] } {
    return { sampleMs: this.#sampleMs, samples: this.#history.of(storyId, now, AUDIENCE_WINDOW_MS) };
  }

  /** Samples every story read now or within the hour (its zeros too, so the line falls when readers leave). */
  sample(now: number): void {
    const totals = this.totals();
    for (const storyId of new Set([...totals.keys(), ...this.#history.storyIds()])) this.#history.record(storyId, totals.get(storyId) ?? 0, now);
    this.#history.prune(now, AUDIENCE_WINDOW_MS);
  }

  close(): void {
    for (const timer of this.#timers) clearInterval(timer);
  }

  #every(ms: number, work: () => void): void {
    const timer = setInterval(work, ms);
    timer.unref();
    this.#timers.push(timer);
  }
}
