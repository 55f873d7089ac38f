import type Database from "better-sqlite3";
import type { ImageVariant, MediaRecord, MediaStore, StoredImage, UploadUsage } from "./media-store.js";
import { MEDIA_COLUMNS, toMediaRecord, variantBytes, type MediaRow } from "./rows.js";

/**
 * The media tables (sqlite-store.ts makes them with the rest of the schema). Variants are kept in
 * a rowid table: SQLite stores large BLOBs in overflow pages there, rather than in the key's B-tree.
 */
export const MEDIA_TABLES = `
CREATE TABLE IF NOT EXISTS media (
  id TEXT PRIMARY KEY,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  placeholder TEXT NOT NULL,
  created_at TEXT NOT NULL,
  uploader TEXT,
  bytes INTEGER NOT NULL DEFAULT 0,
  removed_at TEXT,
  published INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS media_variants (
  media_id TEXT NOT NULL REFERENCES media (id),
  name INTEGER NOT NULL,
  format TEXT NOT NULL,
  bytes BLOB NOT NULL,
  UNIQUE (media_id, name, format)
);
`;

/** The quotas read an uploader's images by time; the sweep reads only uploads never published, oldest first. */
export const MEDIA_INDEXES = `CREATE INDEX IF NOT EXISTS media_by_uploader ON media (uploader, created_at);
CREATE INDEX IF NOT EXISTS media_unpublished ON media (created_at) WHERE published = 0 AND removed_at IS NULL;`;

/**
 * A file whose media table predates uploaders gets their columns: its images have no known
 * uploader, their size is counted once from their variants, and they count as published (an old
 * version may show them), so none is ever collected. Judged by the columns the table has, since
 * MEDIA_TABLES (which an older file's upgrade runs too) makes them already.
 */
export function addMediaColumns(db: Database.Database): void {
  const columns = new Set(db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('media')").all().map((c) => c.name));
  if (!columns.has("uploader")) {
    db.exec(`ALTER TABLE media ADD COLUMN uploader TEXT;
      ALTER TABLE media ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE media ADD COLUMN removed_at TEXT;
      ALTER TABLE media ADD COLUMN published INTEGER NOT NULL DEFAULT 0;
      UPDATE media SET published = 1, bytes = (SELECT coalesce(sum(length(media_variants.bytes)), 0) FROM media_variants WHERE media_variants.media_id = media.id);`);
  }
  db.exec(MEDIA_INDEXES);
}

/**
 * The ids of the photos that an open draft or a waiting (or failed) scheduled entry shows, its
 * embeds' thumbnails included: what the collection of unused uploads must keep besides published ones.
 */
const SHOWN_ID = "coalesce(json_extract(m.value, '$.id'), json_extract(m.value, '$.thumbnail.id'))";
const WAITING_IDS = `
SELECT ${SHOWN_ID} FROM drafts, json_each(drafts.draft, '$.media') AS m WHERE ${SHOWN_ID} IS NOT NULL
UNION SELECT ${SHOWN_ID} FROM scheduled_entries, json_each(scheduled_entries.item, '$.media') AS m
  WHERE scheduled_entries.state <> 'published' AND ${SHOWN_ID} IS NOT NULL`;

const RECORD = `SELECT ${MEDIA_COLUMNS} FROM media WHERE id = ?`;

/** Images in the same SQLite file as the stories. */
export class SqliteMedia implements MediaStore {
  readonly #db: Database.Database;
  readonly #sql;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#sql = {
      image: db.prepare<[string], StoredImage>("SELECT id, width, height, placeholder FROM media WHERE id = ? AND removed_at IS NULL"),
      record: db.prepare<[string], MediaRow>(RECORD),
      insertImage: db.prepare(
        "INSERT INTO media (id, width, height, placeholder, created_at, uploader, bytes) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
      ),
      insertVariant: db.prepare("INSERT INTO media_variants (media_id, name, format, bytes) VALUES (?, ?, ?, ?)"),
      variant: db.prepare<[string, number, string], Buffer>("SELECT bytes FROM media_variants WHERE media_id = ? AND name = ? AND format = ?").pluck(),
      usage: db.prepare<{ uploader: string; since: string }, { recent: number; oldest: string | null; stored: number }>(
        `SELECT coalesce(sum(created_at >= @since), 0) AS recent, min(CASE WHEN created_at >= @since THEN created_at END) AS oldest,
           coalesce(sum(CASE WHEN removed_at IS NULL THEN bytes END), 0) AS stored
         FROM media WHERE uploader = @uploader`,
      ),
      markRemoved: db.prepare("UPDATE media SET removed_at = coalesce(removed_at, ?) WHERE id = ?"),
      deleteVariants: db.prepare("DELETE FROM media_variants WHERE media_id = ?"),
      deleteImage: db.prepare("DELETE FROM media WHERE id = ?"),
      showing: db.prepare<[string], string>("SELECT DISTINCT story_id FROM story_entries WHERE instr(entry, ?) > 0 ORDER BY story_id").pluck(),
      unreferenced: db.prepare<[string, number], string>(
        `SELECT id FROM media WHERE removed_at IS NULL AND published = 0 AND created_at < ? AND id NOT IN (${WAITING_IDS}) ORDER BY created_at LIMIT ?`,
      ).pluck(),
    };
  }

  async putImage(image: StoredImage, variants: readonly ImageVariant[], at: string, uploader?: string): Promise<StoredImage> {
    return this.#db
      .transaction(() => {
        const inserted =
          this.#sql.insertImage.run(image.id, image.width, image.height, image.placeholder, at, uploader ?? null, variantBytes(variants)).changes > 0;
        if (inserted) for (const v of variants) this.#sql.insertVariant.run(image.id, v.name, v.format, v.bytes);
        const { id, width, height, placeholder } = this.#sql.record.get(image.id)!;
        return { id, width, height, placeholder };
      })
      .immediate();
  }

  async image(id: string): Promise<StoredImage | undefined> {
    return this.#sql.image.get(id);
  }

  async record(id: string): Promise<MediaRecord | undefined> {
    const row = this.#sql.record.get(id);
    return row && toMediaRecord(row);
  }

  async variant(id: string, name: number, format: string): Promise<Buffer | undefined> {
    return this.#sql.variant.get(id, name, format);
  }

  async usage(uploader: string, since: string): Promise<UploadUsage> {
    const row = this.#sql.usage.get({ uploader, since })!;
    return { recent: row.recent, ...(row.oldest === null ? {} : { oldestRecent: row.oldest }), storedBytes: row.stored };
  }

  async takeDown(id: string, at: string): Promise<MediaRecord | undefined> {
    return this.#db
      .transaction(() => {
        if (this.#sql.markRemoved.run(at, id).changes === 0) return undefined;
        this.#sql.deleteVariants.run(id);
        return toMediaRecord(this.#sql.record.get(id)!);
      })
      .immediate();
  }

  async storiesShowing(id: string): Promise<string[]> {
    return this.#sql.showing.all(id);
  }

  async collectUnreferenced(before: string, limit: number): Promise<string[]> {
    // BEGIN IMMEDIATE holds the whole file: no entry, draft or scheduled entry can name an image between the look and the delete.
    return this.#db
      .transaction(() => {
        const ids = this.#sql.unreferenced.all(before, limit);
        for (const id of ids) {
          this.#sql.deleteVariants.run(id);
          this.#sql.deleteImage.run(id);
        }
        return ids;
      })
      .immediate();
  }
}
