import type { PushSubscriptionRecord } from "../../shared/push-subscription.js";

/** The server's VAPID key pair (RFC 8292), base64url as the `web-push` library takes them. */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** A stored subscription with its row id, the cursor by which an alert pages through a story's readers. */
export interface StoredSubscription extends PushSubscriptionRecord {
  id: number;
}

/** What an alert did so far: pushes accepted, failed for good, and subscriptions removed (404/410). */
export interface AlertCounts {
  sent: number;
  failed: number;
  removed: number;
}

/**
 * A row of the push outbox: one breaking entry to push to its story's subscribers, written in the
 * same transaction as the version that published it, so a crash cannot lose it or send it twice.
 */
export interface OutboxAlert extends AlertCounts {
  id: number;
  storyId: string;
  entryId: string;
  version: number;
  /** The id of the last subscription pushed to, resumed from after a crash. */
  cursor: number;
  /**
   * pending: waiting; sending: held by a node (until its lease ends); done: pushed to every
   * subscription; collapsed: a newer alert of the story replaced it before it went out; dropped:
   * its entry was removed before it went out.
   */
  state: "pending" | "sending" | "done" | "collapsed" | "dropped";
}

/** The alert (entry and version) a breaking entry's commit writes to the outbox. */
export interface NewAlert {
  entryId: string;
  version: number;
}

/** When a node may take an alert: `now` in ms, its lease, and the story's minimum gap between alerts. */
export interface ClaimTerms {
  holder: string;
  now: number;
  leaseMs: number;
  /** A story's next alert waits this long after its previous one started; alerts queued meanwhile collapse into the newest. */
  gapMs: number;
}

/**
 * Web Push state (issue 33): the server's VAPID keys, readers' subscriptions per story, and the
 * outbox of alerts. Nodes take alerts with a lease, so whichever node is up drains the outbox and
 * two nodes never send the same alert at once; progress is kept per page of subscriptions.
 */
export interface PushStore {
  /** The stored key pair, or `generate`'s, stored now if there was none (two nodes starting at once agree on one). */
  vapidKeys(generate: () => VapidKeys): Promise<VapidKeys>;
  /**
   * Adds (or renews the keys of) a subscription to a story; with `renewOnly` (the caps are reached),
   * only renews one already stored. Whether a row was written.
   */
  subscribe(record: PushSubscriptionRecord, options?: { renewOnly?: boolean }): Promise<boolean>;
  /** Forgets a story's subscription; false if there was none. */
  unsubscribe(storyId: string, endpoint: string): Promise<boolean>;
  /** Forgets an endpoint the push service says is gone (404/410), for every story it followed. */
  removeEndpoint(endpoint: string): Promise<void>;
  subscriberCount(storyId: string): Promise<number>;
  /** Subscriptions stored, every story's together (the store's global cap). */
  subscriptionTotal(): Promise<number>;
  /** A story's subscriptions after row `afterId`, in id order. */
  subscriptions(storyId: string, afterId: number, limit: number): Promise<StoredSubscription[]>;
  /** Takes the next alert due (a pending one, or one whose holder's lease ran out), or undefined. */
  claimAlert(terms: ClaimTerms): Promise<OutboxAlert | undefined>;
  /**
   * Records a page pushed, and extends the lease; false when `holder` no longer holds the alert (its
   * lease ran out and another node took it), so it must stop.
   */
  recordProgress(alert: OutboxAlert, holder: string, leaseUntil: number): Promise<boolean>;
  /** Ends an alert as done or dropped, with its final counts. */
  finishAlert(alert: OutboxAlert, holder: string): Promise<void>;
  /** The latest alert of an entry, or undefined if it has none. */
  alertOf(storyId: string, entryId: string): Promise<OutboxAlert | undefined>;
  /** Alerts pending or being sent (`live_ticker_push_outbox_depth`). */
  outboxDepth(): Promise<number>;
}
