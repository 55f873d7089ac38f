import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "../config.js";
import { PostgresStore } from "../store/postgres-store.js";
import { SqliteStore } from "../store/sqlite-store.js";
import type { Store } from "../store/store.js";
import { TransferError, exportStory, importStory } from "../story-transfer.js";

const USAGE = `Move one story, with its whole history and its photos, between installations
(docs/operations.md "Moving a story to another installation").

  npm run story -- export STORY_ID FILE    write the story to FILE (a new file)
  npm run story -- import FILE             add the story in FILE to this installation

Works on the store the server would use: DATABASE_URL (PostgreSQL) if set, else DATA_DIR's SQLite
file; the server may be running. An import refuses a story id this installation already has.`;

const [command, first, second] = process.argv.slice(2);
if (!(command === "export" && first && second) && !(command === "import" && first && !second)) {
  console.log(USAGE);
  process.exit(command === "--help" ? 0 : 1);
}

const config = loadConfig();
const store: Store = config.databaseUrl
  ? await PostgresStore.open(config.databaseUrl, config.databaseSchema ? { schema: config.databaseSchema } : {})
  : new SqliteStore(join(config.dataDir, "live-ticker.db"));
try {
  if (command === "export") {
    const file = resolve(second!);
    if (existsSync(file)) throw new TransferError(`${file} exists already: name a new file.`);
    const exported = await exportStory(store, first!);
    writeFileSync(file, JSON.stringify(exported), { flag: "wx" });
    console.log(`Exported "${exported.storyId}" to ${file}: ${exported.versions.length} versions, ${exported.photos.length} photos.`);
  } else {
    let input: unknown;
    try {
      input = JSON.parse(readFileSync(resolve(first!), "utf8"));
    } catch (error) {
      throw new TransferError(`${resolve(first!)} cannot be read as JSON (${(error as Error).message}).`);
    }
    const summary = await importStory(store, input);
    console.log(`Imported "${summary.storyId}": ${summary.versions} versions, ${summary.photos} photos.`);
  }
} catch (error) {
  if (!(error instanceof TransferError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
} finally {
  await store.close();
}
