import type { OutboxAlert } from "./push-store.js";

/** Push query text that reads the same in SQLite and PostgreSQL; each store fills in its own placeholders. */

/** The outbox's columns as OutboxAlert names them. */
export const OUTBOX_COLUMNS = "id, story_id AS \"storyId\", entry_id AS \"entryId\", version, cursor, state, sent, failed, removed";

/**
 * The alert a node may take now: one whose holder's lease ran out, or the newest pending alert of
 * a story whose last alert started at least the gap ago ($now, $gapStart = now - gap).
 */
export const CLAIMABLE = (now: string, gapStart: string) => `
  (o.state = 'sending' AND o.lease_until < ${now})
  OR (o.state = 'pending'
      AND NOT EXISTS (SELECT 1 FROM push_outbox n WHERE n.story_id = o.story_id AND n.state = 'pending' AND n.id > o.id)
      AND NOT EXISTS (SELECT 1 FROM push_outbox s WHERE s.story_id = o.story_id AND s.started_at > ${gapStart}))`;

/** A row as the drivers return it (PostgreSQL's bigint ids come back as strings). */
export function toOutboxAlert(row: Record<string, unknown>): OutboxAlert {
  return {
    id: Number(row.id),
    storyId: String(row.storyId),
    entryId: String(row.entryId),
    version: Number(row.version),
    cursor: Number(row.cursor),
    state: row.state as OutboxAlert["state"],
    sent: Number(row.sent),
    failed: Number(row.failed),
    removed: Number(row.removed),
  };
}
