import { restoreStore, summaryLine } from "../store/sqlite-backup.js";
import { storeFileCommand } from "./store-file-command.js";

const USAGE = `Fill an empty DATA_DIR (default ./data) from a backup FILE (docs/operations.md "Backup and restore").

  npm run restore -- FILE

FILE is what \`npm run backup -- FILE\` wrote. DATA_DIR must be empty or absent and no server may
run on it; start the server on it afterwards. With DATABASE_URL set the store is PostgreSQL:
restore it with pg_restore instead.`;

storeFileCommand(USAGE, "pg_restore", (file, dataDir) => {
  const summary = restoreStore(file, dataDir);
  return `Restored ${file} into ${dataDir}: ${summaryLine(summary)}. Start the server on it.`;
});
