import { join } from "node:path";
import { STORE_FILE, backupStore, summaryLine } from "../store/sqlite-backup.js";
import { storeFileCommand } from "./store-file-command.js";

const USAGE = `Copy the store in DATA_DIR (default ./data) to FILE, while the server runs (docs/operations.md "Backup and restore").

  npm run backup -- FILE

FILE is a new file: a SQLite database holding every story and version, photo, account, session,
token and draft as of one moment. Restore it with \`npm run restore -- FILE\` onto an empty DATA_DIR.
With DATABASE_URL set the store is PostgreSQL: back it up with pg_dump instead.`;

storeFileCommand(USAGE, "pg_dump", (file, dataDir) => {
  const summary = backupStore(join(dataDir, STORE_FILE), file);
  return `Backed up ${dataDir} to ${file}: ${summaryLine(summary)}.`;
});
