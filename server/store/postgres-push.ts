import type pg from "pg";
import type { PushSubscriptionRecord } from "../../shared/push-subscription.js";
import { inTransaction } from "./pg-transaction.js";
import { CLAIMABLE, OUTBOX_COLUMNS, toOutboxAlert } from "./push-sql.js";
import type { ClaimTerms, NewAlert, OutboxAlert, PushStore, StoredSubscription, VapidKeys } from "./push-store.js";

/** Writes a commit's alerts on the commit's own connection, inside its transaction (commit-rules.ts). */
export async function insertAlerts(client: pg.ClientBase, storyId: string, alerts: readonly NewAlert[]): Promise<void> {
  for (const alert of alerts) {
    await client.query("INSERT INTO push_outbox (story_id, entry_id, version, state) VALUES ($1, $2, $3, 'pending')", [storyId, alert.entryId, alert.version]);
  }
}

/**
 * Push state in PostgreSQL (migration 13), shared by every node. A claim takes the row with
 * `FOR UPDATE SKIP LOCKED`, so nodes claiming at once take different alerts, never the same one.
 */
export class PostgresPush implements PushStore {
  constructor(private readonly pool: pg.Pool) {}

  async vapidKeys(generate: () => VapidKeys): Promise<VapidKeys> {
    const read = () => this.pool.query<VapidKeys>('SELECT public_key AS "publicKey", private_key AS "privateKey" FROM push_keys WHERE id = 1');
    const { rows: [stored] } = await read();
    if (stored) return stored;
    const fresh = generate();
    // Two nodes starting on an empty database: the first key pair stored is the one both use.
    await this.pool.query("INSERT INTO push_keys (id, public_key, private_key) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING", [fresh.publicKey, fresh.privateKey]);
    return (await read()).rows[0]!;
  }

  async subscribe(record: PushSubscriptionRecord, { renewOnly = false } = {}): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      renewOnly
        ? "UPDATE push_subscriptions SET p256dh = $3, auth = $4 WHERE story_id = $1 AND endpoint = $2"
        : `INSERT INTO push_subscriptions (story_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4)
           ON CONFLICT (story_id, endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth`,
      [record.storyId, record.endpoint, record.p256dh, record.auth],
    );
    return (rowCount ?? 0) > 0;
  }

  async unsubscribe(storyId: string, endpoint: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("DELETE FROM push_subscriptions WHERE story_id = $1 AND endpoint = $2", [storyId, endpoint]);
    return (rowCount ?? 0) > 0;
  }

  async removeEndpoint(endpoint: string): Promise<void> {
    await this.pool.query("DELETE FROM push_subscriptions WHERE endpoint = $1", [endpoint]);
  }

  async subscriberCount(storyId: string): Promise<number> {
    const { rows: [row] } = await this.pool.query<{ count: string }>("SELECT count(*) FROM push_subscriptions WHERE story_id = $1", [storyId]);
    return Number(row!.count);
  }

  async subscriptionTotal(): Promise<number> {
    const { rows: [row] } = await this.pool.query<{ count: string }>("SELECT count(*) FROM push_subscriptions");
    return Number(row!.count);
  }

  async subscriptions(storyId: string, afterId: number, limit: number): Promise<StoredSubscription[]> {
    const { rows } = await this.pool.query<StoredSubscription & { id: string }>(
      'SELECT id, story_id AS "storyId", endpoint, p256dh, auth FROM push_subscriptions WHERE story_id = $1 AND id > $2 ORDER BY id LIMIT $3',
      [storyId, afterId, limit],
    );
    return rows.map((row) => ({ ...row, id: Number(row.id) }));
  }

  async claimAlert(terms: ClaimTerms): Promise<OutboxAlert | undefined> {
    return inTransaction(this.pool, async (client) => {
      const { rows: [row] } = await client.query(
        `SELECT ${OUTBOX_COLUMNS} FROM push_outbox o WHERE ${CLAIMABLE("$1", "$2")} ORDER BY o.id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [terms.now, terms.now - terms.gapMs],
      );
      if (!row) return undefined;
      const alert = toOutboxAlert(row);
      await client.query("UPDATE push_outbox SET state = 'collapsed' WHERE story_id = $1 AND state = 'pending' AND id < $2", [alert.storyId, alert.id]);
      await client.query(
        "UPDATE push_outbox SET state = 'sending', holder = $1, lease_until = $2, started_at = coalesce(started_at, $3) WHERE id = $4",
        [terms.holder, terms.now + terms.leaseMs, terms.now, alert.id],
      );
      return { ...alert, state: "sending" as const };
    });
  }

  async recordProgress(alert: OutboxAlert, holder: string, leaseUntil: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      "UPDATE push_outbox SET cursor = $1, sent = $2, failed = $3, removed = $4, lease_until = $5 WHERE id = $6 AND holder = $7 AND state = 'sending'",
      [alert.cursor, alert.sent, alert.failed, alert.removed, leaseUntil, alert.id, holder],
    );
    return (rowCount ?? 0) > 0;
  }

  async finishAlert(alert: OutboxAlert, holder: string): Promise<void> {
    await this.pool.query(
      "UPDATE push_outbox SET state = $1, cursor = $2, sent = $3, failed = $4, removed = $5, lease_until = NULL WHERE id = $6 AND holder = $7 AND state = 'sending'",
      [alert.state, alert.cursor, alert.sent, alert.failed, alert.removed, alert.id, holder],
    );
  }

  async alertOf(storyId: string, entryId: string): Promise<OutboxAlert | undefined> {
    const { rows: [row] } = await this.pool.query(`SELECT ${OUTBOX_COLUMNS} FROM push_outbox WHERE story_id = $1 AND entry_id = $2 ORDER BY id DESC LIMIT 1`, [storyId, entryId]);
    return row && toOutboxAlert(row);
  }

  async outboxDepth(): Promise<number> {
    const { rows: [row] } = await this.pool.query<{ count: string }>("SELECT count(*) FROM push_outbox WHERE state IN ('pending', 'sending')");
    return Number(row!.count);
  }
}
