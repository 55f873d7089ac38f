import type { Logger } from "pino";
import { nextPollDelay } from "../shared/schedule.js";
import type { StoryService } from "./story-service.js";

/**
 * How often each node looks for due entries when it knows of none sooner: another node may have
 * scheduled one, so this bounds how late an entry can be (the store, not this timer, is the truth).
 */
export const SCHEDULE_POLL_MS = 1_000;

/**
 * Wakes up at the next due time (or every `pollMs`) and publishes every due scheduled entry
 * through the service. The store claims each entry in the transaction that publishes it, so any
 * number of publishers, on any number of nodes, after any crash, publish each entry once.
 */
export class ScheduledPublisher {
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  #stopped = false;
  /** So that an outage is logged once when it starts, not once a second. */
  #failing = false;

  constructor(
    private readonly service: StoryService,
    private readonly log: Logger,
    private readonly pollMs = SCHEDULE_POLL_MS,
  ) {}

  start(): void {
    this.wake();
  }

  /** Looks now (a new or moved entry may be due sooner than the timer). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    void this.#round();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #round(): Promise<void> {
    this.#running = true;
    let delay = this.pollMs;
    try {
      do {
        this.#again = false;
        for (let outcome = await this.service.publishDue(); outcome && !this.#stopped; outcome = await this.service.publishDue()) {
          const { item } = outcome;
          if (outcome.kind === "published") {
            this.log.info({ storyId: item.storyId, scheduledId: item.id, entryId: item.entryId, version: outcome.committed.snapshot.version }, "published a scheduled entry");
          } else {
            this.log.warn({ storyId: item.storyId, scheduledId: item.id, failed: item.failed }, "a scheduled entry could not be published");
          }
        }
      } while (this.#again && !this.#stopped);
      delay = nextPollDelay(await this.service.nextDue(), Date.now(), this.pollMs);
      if (this.#failing) this.log.info("scheduled entries: the store answers again");
      this.#failing = false;
    } catch (error) {
      // A store closed under a round by a shutdown is no failure.
      if (!this.#failing && !this.#stopped) this.log.error({ err: error }, "scheduled entries: the store did not answer; trying again");
      this.#failing = true;
    } finally {
      this.#running = false;
    }
    if (!this.#stopped) this.#timer = setTimeout(() => this.wake(), delay).unref();
  }
}
