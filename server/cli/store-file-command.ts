import { resolve } from "node:path";
import { loadConfig } from "../config.js";
import { BackupError } from "../store/sqlite-backup.js";

/**
 * The shell of `npm run backup` and `npm run restore`: one FILE argument (else the usage), refused
 * on a PostgreSQL store (its own tool, `pgTool`, does the job), a BackupError said plainly with
 * exit 1. `run` gets the FILE resolved and DATA_DIR, and returns the line to print.
 */
export function storeFileCommand(usage: string, pgTool: string, run: (file: string, dataDir: string) => string): void {
  const file = process.argv[2];
  if (!file || file === "--help" || process.argv.length > 3) {
    console.log(usage);
    process.exit(file === "--help" ? 0 : 1);
  }
  const config = loadConfig();
  if (config.databaseUrl) {
    console.error(`DATABASE_URL is set: this store is PostgreSQL. Use ${pgTool} instead (docs/operations.md "Backup and restore").`);
    process.exit(1);
  }
  try {
    console.log(run(resolve(file), config.dataDir));
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
