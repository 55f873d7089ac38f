import type Database from "better-sqlite3";
import type { ImageVariant, MediaStore, StoredImage } from "./media-store.js";

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
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS media_variants (
  media_id TEXT NOT NULL REFERENCES media (id),
  name INTEGER NOT NULL,
  format TEXT NOT NULL,
  bytes BLOB NOT NULL,
  UNIQUE (media_id, name, format)
);
`;

/** Images in the same SQLite file as the stories. */
export class SqliteMedia implements MediaStore {
  readonly #db: Database.Database;
  readonly #sql;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#sql = {
      image: db.prepare<[string], StoredImage>("SELECT id, width, height, placeholder FROM media WHERE id = ?"),
      insertImage: db.prepare("INSERT INTO media (id, width, height, placeholder, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"),
      insertVariant: db.prepare("INSERT INTO media_variants (media_id, name, format, bytes) VALUES (?, ?, ?, ?)"),
      variant: db.prepare<[string, number, string], Buffer>("SELECT bytes FROM media_variants WHERE media_id = ? AND name = ? AND format = ?").pluck(),
    };
  }

  async putImage(image: StoredImage, variants: readonly ImageVariant[], at: string): Promise<StoredImage> {
    return this.#db
      .transaction(() => {
        const inserted = this.#sql.insertImage.run(image.id, image.width, image.height, image.placeholder, at).changes > 0;
        if (inserted) for (const v of variants) this.#sql.insertVariant.run(image.id, v.name, v.format, v.bytes);
        return this.#sql.image.get(image.id)!;
      })
      .immediate();
  }

  async image(id: string): Promise<StoredImage | undefined> {
    return this.#sql.image.get(id);
  }

  async variant(id: string, name: number, format: string): Promise<Buffer | undefined> {
    return this.#sql.variant.get(id, name, format);
  }
}
