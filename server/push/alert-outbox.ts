import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { alertPayload } from "../../shared/push-alert.js";
import type { Metrics } from "../metrics.js";
import type { OutboxAlert, StoredSubscription } from "../store/push-store.js";
import type { Store } from "../store/store.js";
import { alertTopic, type PushOutcome } from "./push-sender.js";
import type { SendingThread } from "./sending-thread.js";

/** Who hears that an alert finished (the desk's channel: "Alert sent to N readers"). */
export interface AlertNews {
  alertFinished(alert: OutboxAlert & { state: "done" | "dropped" }, subscribers: number): void;
}

export interface AlertOutboxOptions {
  /** How often the outbox is looked at when it had nothing (every second by default). */
  pollMs?: number;
  /** Pushes in flight at once (each on a kept-alive connection). */
  concurrency?: number;
  /** Subscriptions per page: progress is recorded after each, so a crash resends at most one page. */
  pageSize?: number;
  /** How long a node holds an alert without recording progress before another may take it over. */
  leaseMs?: number;
  /** The least time between two alerts of one story; those that come sooner collapse into the newest. */
  gapMs?: number;
  /** Retries of a push answered 429 or 5xx (or not answered), with doubling waits from `retryBaseMs`. */
  retries?: number;
  retryBaseMs?: number;
}

export const OUTBOX_DEFAULTS: Required<AlertOutboxOptions> = {
  pollMs: 1000,
  concurrency: 64,
  pageSize: 500,
  leaseMs: 120_000,
  gapMs: 60_000,
  retries: 3,
  retryBaseMs: 1000,
};


/**
 * Drains the push outbox: whichever node is up takes the next alert (store leases; PostgreSQL's
 * SKIP LOCKED), pushes it to every subscription of its story page by page with bounded
 * concurrency, records its progress after each page and forgets subscriptions the push service
 * says are gone. An alert whose entry was removed before it went out is dropped.
 */
export class AlertOutbox {
  readonly #options: Required<AlertOutboxOptions>;
  readonly #holder = randomUUID();
  #running: Promise<void> | undefined;
  #stopping = false;
  /** Ends the poll's wait early (a stop). */
  #wake: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly sender: SendingThread,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    options: AlertOutboxOptions = {},
    private readonly news?: AlertNews,
  ) {
    this.#options = { ...OUTBOX_DEFAULTS, ...options };
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    this.sender.stopRetrying();
    await this.#running;
    await this.sender.close();
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      let worked = false;
      try {
        worked = await this.drainOne();
      } catch (error) {
        this.log.error({ err: error }, "The push outbox could not be drained; trying again.");
      }
      if (!worked) await this.#sleep(this.#options.pollMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Takes and sends the next alert due, if any; false when there was none. */
  async drainOne(): Promise<boolean> {
    const { leaseMs, gapMs } = this.#options;
    const alert = await this.store.push.claimAlert({ holder: this.#holder, now: Date.now(), leaseMs, gapMs });
    if (!alert) return false;
    await this.#send(alert);
    return true;
  }

  async #send(claimed: OutboxAlert): Promise<void> {
    const { pageSize, leaseMs } = this.#options;
    const alert = { ...claimed };
    const topic = alertTopic(alert.storyId);
    for (;;) {
      // Looked at again for every page: an entry removed meanwhile alerts nobody further.
      const snapshot = await this.store.latest(alert.storyId);
      const payload = snapshot && alertPayload(snapshot, alert.entryId);
      if (!payload) {
        alert.state = "dropped";
        break;
      }
      const page = await this.store.push.subscriptions(alert.storyId, alert.cursor, pageSize);
      if (page.length === 0) {
        alert.state = "done";
        break;
      }
      const body = JSON.stringify(payload);
      const outcomes = await this.sender.sendPage(page, body, topic);
      for (const [index, outcome] of outcomes.entries()) await this.#tally(alert, page[index]!, outcome);
      alert.cursor = page.at(-1)!.id;
      // A node shutting down keeps what it did and hands the rest over at once (its lease ends now).
      const leaseUntil = this.#stopping ? Date.now() : Date.now() + leaseMs;
      if (!(await this.store.push.recordProgress(alert, this.#holder, leaseUntil))) {
        this.log.warn({ storyId: alert.storyId, entryId: alert.entryId }, "Another node took over this alert (its lease ran out); leaving it to that node.");
        return;
      }
      if (this.#stopping) return;
    }
    await this.store.push.finishAlert(alert, this.#holder);
    await this.#tell(alert as OutboxAlert & { state: "done" | "dropped" });
    this.log.info({ storyId: alert.storyId, entryId: alert.entryId, state: alert.state, sent: alert.sent, failed: alert.failed, removed: alert.removed }, "Breaking-news alert pushed.");
  }

  /** The desk hears of it; a store that cannot count now costs the desk its message, never the alert. */
  async #tell(alert: OutboxAlert & { state: "done" | "dropped" }): Promise<void> {
    if (!this.news) return;
    try {
      this.news.alertFinished(alert, await this.store.push.subscriberCount(alert.storyId));
    } catch (error) {
      this.log.warn({ err: error, storyId: alert.storyId }, "The desk could not be told that an alert went out.");
    }
  }

  async #tally(alert: OutboxAlert, subscription: StoredSubscription, outcome: PushOutcome): Promise<void> {
    if (outcome.kind === "sent") {
      alert.sent++;
      this.metrics.pushes.inc({ outcome: "sent" });
    } else if (outcome.kind === "gone") {
      alert.removed++;
      this.metrics.pushes.inc({ outcome: "removed" });
      await this.store.push.removeEndpoint(subscription.endpoint);
    } else {
      alert.failed++;
      this.metrics.pushes.inc({ outcome: "failed" });
    }
  }
}
