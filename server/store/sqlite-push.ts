import type Database from "better-sqlite3";
import type { PushSubscriptionRecord } from "../../shared/push-subscription.js";
import { CLAIMABLE, OUTBOX_COLUMNS, toOutboxAlert } from "./push-sql.js";
import type { ClaimTerms, NewAlert, OutboxAlert, PushStore, StoredSubscription, VapidKeys } from "./push-store.js";

/** Web Push's tables (issue 33): the key pair, subscriptions per story, the outbox of alerts. */
export const PUSH_TABLES = `
CREATE TABLE IF NOT EXISTS push_keys (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  public_key TEXT NOT NULL,
  private_key TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS push_subscriptions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  story_id TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  UNIQUE (story_id, endpoint)
);
CREATE INDEX IF NOT EXISTS push_subscriptions_endpoint ON push_subscriptions (endpoint);
CREATE TABLE IF NOT EXISTS push_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  story_id TEXT NOT NULL,
  entry_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'done', 'collapsed', 'dropped')),
  holder TEXT,
  lease_until INTEGER,
  started_at INTEGER,
  cursor INTEGER NOT NULL DEFAULT 0,
  sent INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  removed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS push_outbox_open ON push_outbox (story_id, id) WHERE state IN ('pending', 'sending');
CREATE INDEX IF NOT EXISTS push_outbox_entry ON push_outbox (story_id, entry_id);
`;

/**
 * Push state in the SQLite file. A claim is one BEGIN IMMEDIATE transaction, which holds the whole
 * file, so even a second process on the same file never takes an alert this one holds.
 */
export class SqlitePush implements PushStore {
  readonly #db: Database.Database;
  readonly #sql;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#sql = {
      keys: db.prepare<[], VapidKeys>("SELECT public_key AS publicKey, private_key AS privateKey FROM push_keys WHERE id = 1"),
      insertKeys: db.prepare("INSERT OR IGNORE INTO push_keys (id, public_key, private_key) VALUES (1, ?, ?)"),
      subscribe: db.prepare(
        `INSERT INTO push_subscriptions (story_id, endpoint, p256dh, auth) VALUES (@storyId, @endpoint, @p256dh, @auth)
         ON CONFLICT (story_id, endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth`,
      ),
      renew: db.prepare("UPDATE push_subscriptions SET p256dh = @p256dh, auth = @auth WHERE story_id = @storyId AND endpoint = @endpoint"),
      unsubscribe: db.prepare("DELETE FROM push_subscriptions WHERE story_id = ? AND endpoint = ?"),
      removeEndpoint: db.prepare("DELETE FROM push_subscriptions WHERE endpoint = ?"),
      count: db.prepare<[string], number>("SELECT count(*) FROM push_subscriptions WHERE story_id = ?").pluck(),
      total: db.prepare<[], number>("SELECT count(*) FROM push_subscriptions").pluck(),
      page: db.prepare<[string, number, number], StoredSubscription>(
        "SELECT id, story_id AS storyId, endpoint, p256dh, auth FROM push_subscriptions WHERE story_id = ? AND id > ? ORDER BY id LIMIT ?",
      ),
      insertAlert: db.prepare("INSERT INTO push_outbox (story_id, entry_id, version, state) VALUES (?, ?, ?, 'pending')"),
      claimable: db.prepare<{ now: number; gapStart: number }, Record<string, unknown>>(
        `SELECT ${OUTBOX_COLUMNS} FROM push_outbox o WHERE ${CLAIMABLE("@now", "@gapStart")} ORDER BY o.id LIMIT 1`,
      ),
      collapse: db.prepare("UPDATE push_outbox SET state = 'collapsed' WHERE story_id = ? AND state = 'pending' AND id < ?"),
      take: db.prepare("UPDATE push_outbox SET state = 'sending', holder = ?, lease_until = ?, started_at = coalesce(started_at, ?) WHERE id = ?"),
      progress: db.prepare(
        "UPDATE push_outbox SET cursor = ?, sent = ?, failed = ?, removed = ?, lease_until = ? WHERE id = ? AND holder = ? AND state = 'sending'",
      ),
      finish: db.prepare(
        "UPDATE push_outbox SET state = ?, cursor = ?, sent = ?, failed = ?, removed = ?, lease_until = NULL WHERE id = ? AND holder = ? AND state = 'sending'",
      ),
      alertOf: db.prepare<[string, string], Record<string, unknown>>(
        `SELECT ${OUTBOX_COLUMNS} FROM push_outbox WHERE story_id = ? AND entry_id = ? ORDER BY id DESC LIMIT 1`,
      ),
      depth: db.prepare<[], number>("SELECT count(*) FROM push_outbox WHERE state IN ('pending', 'sending')").pluck(),
    };
  }

  /** Writes a commit's alerts; called inside the commit's transaction (commit-rules.ts). */
  insertAlerts(storyId: string, alerts: readonly NewAlert[]): void {
    for (const alert of alerts) this.#sql.insertAlert.run(storyId, alert.entryId, alert.version);
  }

  async vapidKeys(generate: () => VapidKeys): Promise<VapidKeys> {
    const stored = this.#sql.keys.get();
    if (stored) return stored;
    const fresh = generate();
    this.#sql.insertKeys.run(fresh.publicKey, fresh.privateKey);
    return this.#sql.keys.get()!;
  }

  async subscribe(record: PushSubscriptionRecord, { renewOnly = false } = {}): Promise<boolean> {
    return (renewOnly ? this.#sql.renew : this.#sql.subscribe).run(record).changes > 0;
  }

  async unsubscribe(storyId: string, endpoint: string): Promise<boolean> {
    return this.#sql.unsubscribe.run(storyId, endpoint).changes > 0;
  }

  async removeEndpoint(endpoint: string): Promise<void> {
    this.#sql.removeEndpoint.run(endpoint);
  }

  async subscriberCount(storyId: string): Promise<number> {
    return this.#sql.count.get(storyId)!;
  }

  async subscriptionTotal(): Promise<number> {
    return this.#sql.total.get()!;
  }

  async subscriptions(storyId: string, afterId: number, limit: number): Promise<StoredSubscription[]> {
    return this.#sql.page.all(storyId, afterId, limit);
  }

  async claimAlert(terms: ClaimTerms): Promise<OutboxAlert | undefined> {
    const sql = this.#sql;
    return this.#db
      .transaction(() => {
        const row = sql.claimable.get({ now: terms.now, gapStart: terms.now - terms.gapMs });
        if (!row) return undefined;
        const alert = toOutboxAlert(row);
        sql.collapse.run(alert.storyId, alert.id);
        sql.take.run(terms.holder, terms.now + terms.leaseMs, terms.now, alert.id);
        return { ...alert, state: "sending" as const };
      })
      .immediate();
  }

  async recordProgress(alert: OutboxAlert, holder: string, leaseUntil: number): Promise<boolean> {
    return this.#sql.progress.run(alert.cursor, alert.sent, alert.failed, alert.removed, leaseUntil, alert.id, holder).changes > 0;
  }

  async finishAlert(alert: OutboxAlert, holder: string): Promise<void> {
    this.#sql.finish.run(alert.state, alert.cursor, alert.sent, alert.failed, alert.removed, alert.id, holder);
  }

  async alertOf(storyId: string, entryId: string): Promise<OutboxAlert | undefined> {
    const row = this.#sql.alertOf.get(storyId, entryId);
    return row && toOutboxAlert(row);
  }

  async outboxDepth(): Promise<number> {
    return this.#sql.depth.get()!;
  }
}
