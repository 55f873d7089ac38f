import type pg from "pg";
import { inTransaction } from "./pg-transaction.js";
import type { ImageVariant, MediaRecord, MediaStore, StoredImage, UploadUsage } from "./media-store.js";
import { MEDIA_COLUMNS, toMediaRecord, variantBytes, type MediaRow } from "./rows.js";


/** As sqlite-media.ts's WAITING_IDS: the photos (and embeds' thumbnails) an open draft or a waiting scheduled entry shows. */
const SHOWN_ID = "coalesce(m->>'id', m->'thumbnail'->>'id')";
const WAITING_IDS = `
SELECT ${SHOWN_ID} FROM drafts, jsonb_array_elements(drafts.draft::jsonb -> 'media') AS m WHERE ${SHOWN_ID} IS NOT NULL
UNION SELECT ${SHOWN_ID} FROM scheduled_entries, jsonb_array_elements(scheduled_entries.item::jsonb -> 'media') AS m
  WHERE scheduled_entries.state <> 'published' AND ${SHOWN_ID} IS NOT NULL`;

/** Images in PostgreSQL (`bytea`, migration 6; uploaders, sizes and takedowns, migration 10), shared by every node. */
export class PostgresMedia implements MediaStore {
  constructor(private readonly pool: pg.Pool) {}

  async putImage(image: StoredImage, variants: readonly ImageVariant[], at: string, uploader?: string): Promise<StoredImage> {
    return inTransaction(this.pool, async (client) => {
      // Two nodes storing the same upload at once: the second waits on the first's row and inserts nothing.
      const { rowCount } = await client.query(
        "INSERT INTO media (id, width, height, placeholder, created_at, uploader, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
        [image.id, image.width, image.height, image.placeholder, at, uploader ?? null, variantBytes(variants)],
      );
      if (rowCount) {
        for (const v of variants) {
          await client.query("INSERT INTO media_variants (media_id, name, format, bytes) VALUES ($1, $2, $3, $4)", [image.id, v.name, v.format, v.bytes]);
        }
      }
      const { rows: [stored] } = await client.query<StoredImage>("SELECT id, width, height, placeholder FROM media WHERE id = $1", [image.id]);
      return stored!;
    });
  }

  async image(id: string): Promise<StoredImage | undefined> {
    const { rows: [row] } = await this.pool.query<StoredImage>("SELECT id, width, height, placeholder FROM media WHERE id = $1 AND removed_at IS NULL", [id]);
    return row;
  }

  async record(id: string): Promise<MediaRecord | undefined> {
    const { rows: [row] } = await this.pool.query<MediaRow>(`SELECT ${MEDIA_COLUMNS} FROM media WHERE id = $1`, [id]);
    return row && toMediaRecord(row);
  }

  async variant(id: string, name: number, format: string): Promise<Buffer | undefined> {
    const { rows: [row] } = await this.pool.query<{ bytes: Buffer }>(
      "SELECT bytes FROM media_variants WHERE media_id = $1 AND name = $2 AND format = $3",
      [id, name, format],
    );
    return row?.bytes;
  }

  async usage(uploader: string, since: string): Promise<UploadUsage> {
    // Times are ISO text of one shape, compared byte by byte ("C") whatever the database's collation.
    const { rows: [row] } = await this.pool.query<{ recent: string; oldest: string | null; stored: string }>(
      `SELECT count(*) FILTER (WHERE created_at COLLATE "C" >= $2) AS recent, min(created_at COLLATE "C") FILTER (WHERE created_at COLLATE "C" >= $2) AS oldest,
         coalesce(sum(bytes) FILTER (WHERE removed_at IS NULL), 0) AS stored
       FROM media WHERE uploader = $1`,
      [uploader, since],
    );
    return { recent: Number(row!.recent), ...(row!.oldest === null ? {} : { oldestRecent: row!.oldest }), storedBytes: Number(row!.stored) };
  }

  async takeDown(id: string, at: string): Promise<MediaRecord | undefined> {
    return inTransaction(this.pool, async (client) => {
      const { rows: [row] } = await client.query<MediaRow>(`UPDATE media SET removed_at = coalesce(removed_at, $2) WHERE id = $1 RETURNING ${MEDIA_COLUMNS}`, [id, at]);
      if (!row) return undefined;
      await client.query("DELETE FROM media_variants WHERE media_id = $1", [id]);
      return toMediaRecord(row);
    });
  }

  async storiesShowing(id: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ story_id: string }>(
      `SELECT DISTINCT story_id COLLATE "C" AS story_id FROM story_entries WHERE strpos(entry, $1) > 0 ORDER BY 1`,
      [id],
    );
    return rows.map((row) => row.story_id);
  }

  async collectUnreferenced(before: string, limit: number): Promise<string[]> {
    return inTransaction(this.pool, async (client) => {
      // One node sweeps at a time: the others find the lock taken and leave this round to it.
      const { rows: [lock] } = await client.query<{ taken: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext('live-ticker media sweep')) AS taken");
      if (!lock!.taken) return [];
      // The candidates first, locked: a commit publishing one holds its row (skipped here) until it
      // ends, and one that comes later waits for this transaction and then finds it gone.
      const { rows: locked } = await client.query<{ id: string }>(
        `SELECT id FROM media WHERE removed_at IS NULL AND NOT published AND created_at COLLATE "C" < $1 AND id NOT IN (${WAITING_IDS})
         ORDER BY created_at COLLATE "C" LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [before, limit],
      );
      if (locked.length === 0) return [];
      // Looked at again in a statement of its own (a newer snapshot): a commit that published one
      // after the first look began, or a draft saved meanwhile, is seen now. Variants and images go
      // in one statement (the foreign key is judged at its end).
      const { rows } = await client.query<{ id: string }>(
        `WITH doomed AS (SELECT id FROM media WHERE id = ANY($1::text[]) AND NOT published AND id NOT IN (${WAITING_IDS})),
         variants AS (DELETE FROM media_variants WHERE media_id IN (SELECT id FROM doomed))
         DELETE FROM media WHERE id IN (SELECT id FROM doomed) RETURNING id`,
        [locked.map((row) => row.id)],
      );
      return rows.map((row) => row.id);
    });
  }
}
