import { createHash } from "node:crypto";
import { Agent } from "node:https";
import webpush from "web-push";
import type { PushSubscriptionRecord } from "../../shared/push-subscription.js";
import type { VapidKeys } from "../store/push-store.js";

/**
 * How long a push service keeps an alert for a reader who is offline: a few hours, not the
 * library's four weeks. Yesterday's breaking news is not news.
 */
export const ALERT_TTL_SECONDS = 4 * 60 * 60;

/** How long one VAPID JWT is used for a push service (RFC 8292 allows up to 24 h; an hour is the common choice). */
const VAPID_REUSE_MS = 60 * 60 * 1000;
/** The JWT's own expiry, a little past its reuse so that one signed at the end of the hour is still valid in flight. */
const VAPID_LIFETIME_S = 70 * 60;
/** Longest wait for a push service's answer. */
const TIMEOUT_MS = 15_000;

/** What became of one push: accepted, gone for good (404/410: forget the subscription), worth retrying, or failed. */
export type PushOutcome =
  | { kind: "sent" }
  | { kind: "gone" }
  | { kind: "retry"; afterMs?: number }
  | { kind: "failed"; status?: number };

/**
 * The RFC 8030 Topic of a story's alerts: a push service keeps only the newest message of a topic
 * for a device that is offline. Services take at most 32 characters of the URL-safe base64
 * alphabet, so it is a digest of the story's id, the same on every node.
 */
export const alertTopic = (storyId: string): string => createHash("sha256").update(`live-ticker alert ${storyId}`).digest("base64url").slice(0, 32);

/**
 * Posts encrypted Web Push messages (RFC 8291 aes128gcm, via `web-push`) with VAPID (RFC 8292),
 * over kept-alive connections, signing one JWT per push service an hour instead of one per push.
 */
export class PushSender {
  readonly #agent: Agent;
  readonly #vapid = new Map<string, { authorization: string; until: number }>();

  constructor(
    private readonly keys: VapidKeys,
    private readonly contact: string,
    connections: number,
  ) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  async send(subscription: PushSubscriptionRecord, payload: string, topic: string): Promise<PushOutcome> {
    try {
      await webpush.sendNotification({ endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } }, payload, {
        // Our own Authorization (the library signs a JWT per push only with `vapidDetails`, never set).
        headers: { Authorization: this.#authorization(new URL(subscription.endpoint).origin) },
        TTL: ALERT_TTL_SECONDS,
        urgency: "high",
        topic,
        agent: this.#agent,
        timeout: TIMEOUT_MS,
      });
      return { kind: "sent" };
    } catch (error) {
      return outcomeOf(error);
    }
  }

  /** The VAPID Authorization header for a push service's origin, made once an hour. */
  #authorization(audience: string): string {
    const now = Date.now();
    const cached = this.#vapid.get(audience);
    if (cached && cached.until > now) return cached.authorization;
    const { Authorization } = webpush.getVapidHeaders(audience, this.contact, this.keys.publicKey, this.keys.privateKey, "aes128gcm", Math.floor(now / 1000) + VAPID_LIFETIME_S);
    this.#vapid.set(audience, { authorization: Authorization, until: now + VAPID_REUSE_MS });
    return Authorization;
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** A failed post as an outcome: 404/410 gone, 429 and 5xx (and a lost connection) retried, the rest failed. */
function outcomeOf(error: unknown): PushOutcome {
  // A system error (ECONNRESET, ETIMEDOUT, a timeout) is the network's; anything else (a key the
  // library cannot encrypt to) would fail again.
  if (!(error instanceof webpush.WebPushError)) return (error as { code?: unknown } | null)?.code !== undefined || /timeout/i.test(String(error)) ? { kind: "retry" } : { kind: "failed" };
  const status = error.statusCode;
  if (status === 404 || status === 410) return { kind: "gone" };
  if (status === 429 || status >= 500) {
    const seconds = Number(error.headers["retry-after"]);
    return Number.isFinite(seconds) && seconds >= 0 ? { kind: "retry", afterMs: seconds * 1000 } : { kind: "retry" };
  }
  return { kind: "failed", status };
}

export const newVapidKeys = (): VapidKeys => webpush.generateVAPIDKeys();
