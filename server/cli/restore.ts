import { resolve } from "node:path";
import { loadConfig } from "../config.js";
import { BackupError, restoreStore, summaryLine } from "../store/sqlite-backup.js";

const USAGE = `Fill an empty DATA_DIR (default ./data) from a backup FILE (docs/operations.md "Backup and restore").

  npm run restore -- FILE

FILE is what \`npm run backup -- FILE\` wrote. DATA_DIR must be empty or absent and no server may
run on it; start the server on it afterwards. With DATABASE_URL set the store is PostgreSQL:
restore it with pg_restore instead.`;

const file = process.argv[2];
if (!file || file === "--help" || process.argv.length > 3) {
  console.log(USAGE);
  process.exit(file === "--help" ? 0 : 1);
}
const config = loadConfig();
if (config.databaseUrl) {
  console.error("DATABASE_URL is set: this store is PostgreSQL. Restore it with pg_restore (docs/operations.md \"Backup and restore\").");
  process.exit(1);
}
try {
  const summary = restoreStore(resolve(file), config.dataDir);
  console.log(`Restored ${resolve(file)} into ${config.dataDir}: ${summaryLine(summary)}. Start the server on it.`);
} catch (error) {
  if (!(error instanceof BackupError)) throw error;
  console.error(error.message);
  process.exit(1);
}
