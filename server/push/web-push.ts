import type { Logger } from "pino";
import type { Metrics } from "../metrics.js";
import type { VapidKeys } from "../store/push-store.js";
import type { Store } from "../store/store.js";
import { AlertOutbox, OUTBOX_DEFAULTS, type AlertNews, type AlertOutboxOptions } from "./alert-outbox.js";
import { newVapidKeys } from "./push-sender.js";
import { SendingThread } from "./sending-thread.js";

/**
 * Breaking-news alerts on one node (issue 33): the VAPID keys (made on the first start, kept in the
 * store so every node signs with the same pair) and the outbox drainer. Off when no contact for the
 * VAPID claims is known (PUSH_CONTACT, or an https PUBLIC_URL).
 */
export class WebPush {
  #keys: Promise<VapidKeys> | undefined;
  #outbox: AlertOutbox | undefined;

  constructor(
    private readonly store: Store,
    private readonly contact: string | undefined,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly options: AlertOutboxOptions = {},
    /** Told when an alert finished (the desk's channel). */
    private readonly news?: AlertNews,
  ) {}

  get enabled(): boolean {
    return this.contact !== undefined;
  }

  /** The key pair, read (or made) once. */
  keys(): Promise<VapidKeys> {
    return (this.#keys ??= this.store.push.vapidKeys(newVapidKeys));
  }

  async start(): Promise<void> {
    if (!this.contact) {
      // The default without a public https address: a state to mention, not a fault to warn of.
      this.log.info("Breaking-news alerts are off: set PUSH_CONTACT (a mailto: or https: contact for push services) or an https PUBLIC_URL.");
      return;
    }
    const keys = await this.keys();
    const { concurrency, retries, retryBaseMs } = { ...OUTBOX_DEFAULTS, ...this.options };
    const pace = { concurrency, retries, retryBaseMs };
    this.#outbox = new AlertOutbox(this.store, new SendingThread({ keys, contact: this.contact, pace }), this.log, this.metrics, this.options, this.news);
    this.#outbox.start();
  }

  async stop(): Promise<void> {
    await this.#outbox?.stop();
  }
}
