import { join, resolve } from "node:path";
import { loadConfig } from "../config.js";
import { BackupError, STORE_FILE, backupStore, summaryLine } from "../store/sqlite-backup.js";

const USAGE = `Copy the store in DATA_DIR (default ./data) to FILE, while the server runs (docs/operations.md "Backup and restore").

  npm run backup -- FILE

FILE is a new file: a SQLite database holding every story and version, photo, account, session,
token and draft as of one moment. Restore it with \`npm run restore -- FILE\` onto an empty DATA_DIR.
With DATABASE_URL set the store is PostgreSQL: back it up with pg_dump instead.`;

const file = process.argv[2];
if (!file || file === "--help" || process.argv.length > 3) {
  console.log(USAGE);
  process.exit(file === "--help" ? 0 : 1);
}
const config = loadConfig();
if (config.databaseUrl) {
  console.error("DATABASE_URL is set: this store is PostgreSQL. Back it up with pg_dump (docs/operations.md \"Backup and restore\").");
  process.exit(1);
}
try {
  const summary = backupStore(join(config.dataDir, STORE_FILE), resolve(file));
  console.log(`Backed up ${config.dataDir} to ${resolve(file)}: ${summaryLine(summary)}.`);
} catch (error) {
  if (!(error instanceof BackupError)) throw error;
  console.error(error.message);
  process.exit(1);
}
