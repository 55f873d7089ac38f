import type pg from "pg";
import { inTransaction } from "./pg-transaction.js";
import type { ImageVariant, MediaStore, StoredImage } from "./media-store.js";

/** Images in PostgreSQL (`bytea`, migration 6), shared by every node. */
export class PostgresMedia implements MediaStore {
  constructor(private readonly pool: pg.Pool) {}

  async putImage(image: StoredImage, variants: readonly ImageVariant[], at: string): Promise<StoredImage> {
    return inTransaction(this.pool, async (client) => {
      // Two nodes storing the same upload at once: the second waits on the first's row and inserts nothing.
      const { rowCount } = await client.query(
        "INSERT INTO media (id, width, height, placeholder, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
        [image.id, image.width, image.height, image.placeholder, at],
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
    const { rows: [row] } = await this.pool.query<StoredImage>("SELECT id, width, height, placeholder FROM media WHERE id = $1", [id]);
    return row;
  }

  async variant(id: string, name: number, format: string): Promise<Buffer | undefined> {
    const { rows: [row] } = await this.pool.query<{ bytes: Buffer }>(
      "SELECT bytes FROM media_variants WHERE media_id = $1 AND name = $2 AND format = $3",
      [id, name, format],
    );
    return row?.bytes;
  }
}
