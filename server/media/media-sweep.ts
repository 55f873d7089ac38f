import type { Logger } from "pino";
import type { MediaStore } from "../store/media-store.js";

/** How often each node looks for uploads to collect: the grace time is hours, so minutes late is nothing. */
export const MEDIA_SWEEP_MS = 10 * 60 * 1000;
/** Images deleted per transaction, so that a first sweep of a big backlog never holds the store long. */
const BATCH = 100;

/**
 * Deletes uploads never published in an entry that no open draft or waiting scheduled entry shows,
 * once they are older than `graceMs` (MEDIA_UNREFERENCED_HOURS). Every node runs one; the store makes them safe
 * together (SQLite's write lock; on PostgreSQL one node's sweep at a time, by an advisory lock).
 */
export class MediaSweep {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(
    private readonly media: MediaStore,
    private readonly graceMs: number,
    private readonly log: Logger,
    /** Told the ids deleted, so this node drops what it holds of them at once. */
    private readonly collected: (ids: string[]) => void,
    private readonly everyMs = MEDIA_SWEEP_MS,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.sweep().catch((error: unknown) => this.log.error({ err: error }, "media sweep failed; trying again later")), this.everyMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One sweep (or the one under way): how many uploads it deleted. */
  sweep(now = Date.now()): Promise<number> {
    this.#running ??= this.#sweep(now).finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #sweep(now: number): Promise<number> {
    const before = new Date(now - this.graceMs).toISOString();
    let total = 0;
    let ids: string[];
    do {
      ids = await this.media.collectUnreferenced(before, BATCH);
      if (ids.length > 0) this.collected(ids);
      total += ids.length;
    } while (ids.length === BATCH);
    if (total > 0) this.log.info({ collected: total }, "deleted uploads that nothing showed");
    return total;
  }
}
