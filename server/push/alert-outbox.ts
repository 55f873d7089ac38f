import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { alertPayload } from "../../shared/push-alert.js";
import type { Metrics } from "../metrics.js";
import type { OutboxAlert, StoredSubscription } from "../store/push-store.js";
import type { Store } from "../store/store.js";
import { alertTopic, type PushOutcome, type PushSender } from "./push-sender.js";

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

const DEFAULTS: Required<AlertOutboxOptions> = {
  pollMs: 1000,
  concurrency: 64,
  pageSize: 500,
  leaseMs: 120_000,
  gapMs: 60_000,
  retries: 3,
  retryBaseMs: 1000,
};

/** The longest a push service's Retry-After is honoured within one alert: the page's lease must outlast it. */
const MAX_RETRY_WAIT_MS = 30_000;


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
  /** Ends the waits under way early (a stop): the poll's, and retries' backoffs. */
  readonly #wakers = new Set<() => void>();

  constructor(
    private readonly store: Store,
    private readonly sender: PushSender,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    options: AlertOutboxOptions = {},
  ) {
    this.#options = { ...DEFAULTS, ...options };
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const wake of this.#wakers) wake();
    await this.#running;
    this.sender.close();
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
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
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
      await this.#eachLimited(page, async (subscription) => this.#tally(alert, subscription, await this.#sendWithRetries(subscription, body, topic)));
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
    this.log.info({ storyId: alert.storyId, entryId: alert.entryId, state: alert.state, sent: alert.sent, failed: alert.failed, removed: alert.removed }, "Breaking-news alert pushed.");
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

  async #sendWithRetries(subscription: StoredSubscription, body: string, topic: string): Promise<PushOutcome> {
    const { retries, retryBaseMs } = this.#options;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.sender.send(subscription, body, topic);
      if (outcome.kind !== "retry" || attempt >= retries || this.#stopping) return outcome;
      await this.#sleep(Math.min(outcome.afterMs ?? retryBaseMs * 2 ** attempt, MAX_RETRY_WAIT_MS));
    }
  }

  /** Runs `work` over `items` with at most `concurrency` at once. */
  async #eachLimited<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length) await work(items[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.#options.concurrency, items.length) }, worker));
  }
}
