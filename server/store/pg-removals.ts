import type pg from "pg";
import type { RemovedEntry } from "./store.js";

/** Records removed entries in `removals` (the feeds' tombstones): from a commit, or from the log when migrating. */
export async function insertRemovals(client: pg.ClientBase, storyId: string, removals: Iterable<RemovedEntry>): Promise<void> {
  for (const removal of removals) {
    await client.query("INSERT INTO removals (story_id, version, entry_id, at, author, published_at) VALUES ($1, $2, $3, $4, $5, $6)", [
      storyId,
      removal.version,
      removal.entryId,
      removal.at,
      JSON.stringify(removal.author),
      removal.publishedAt,
    ]);
  }
}
