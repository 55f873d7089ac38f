import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import Database from "better-sqlite3";
import { SQLITE_SCHEMA_VERSION } from "./sqlite-store.js";

/**
 * Backups of the embedded store (DESIGN.md §7). Everything the server keeps is in one SQLite
 * file (stories and their versions, photos, accounts, sessions, tokens, drafts), so a backup is a
 * copy of that file taken as one consistent moment, and a restore puts such a copy in place.
 */

/** The store's file in a data directory (server/main.ts opens the same). */
export const STORE_FILE = "live-ticker.db";

/** What a store file holds, for the operator to check a backup against the server it came from. */
export interface StoreFileSummary {
  stories: number;
  versions: number;
  photos: number;
  accounts: number;
  tokens: number;
  bytes: number;
}

/** A backup or restore that cannot be made; its message says why and what to do instead. */
export class BackupError extends Error {}

/**
 * Copies the store at `source` to `target` while the server may go on writing: `VACUUM INTO`
 * reads one snapshot in a single read transaction (WAL mode lets writers carry on), so the copy
 * holds every commit up to one moment and none after it. Written beside `target` under another
 * name, synced, checked, then renamed into place, so `target` is either absent or whole.
 */
export function backupStore(source: string, target: string): StoreFileSummary {
  if (!existsSync(source)) throw new BackupError(`No store at ${source}: is DATA_DIR right?`);
  if (existsSync(target)) throw new BackupError(`${target} exists already: name a new file (a backup never overwrites one).`);
  mkdirSync(dirname(target), { recursive: true });
  const partial = join(dirname(target), `.${basename(target)}.partial`);
  rmSync(partial, { force: true });
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    db.prepare("VACUUM INTO ?").run(partial);
  } finally {
    db.close();
  }
  try {
    const summary = checkStoreFile(partial);
    syncFile(partial);
    renameSync(partial, target);
    syncFile(dirname(target));
    return summary;
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/**
 * Puts the backup `file` in place as the store of `dataDir`, which must be empty or absent: a
 * restore never replaces a store (stop the server and move the old directory aside first).
 */
export function restoreStore(file: string, dataDir: string): StoreFileSummary {
  if (!existsSync(file)) throw new BackupError(`No backup at ${file}.`);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new BackupError(`${dataDir} is not empty: restore into an empty DATA_DIR (move the old one aside first; the server must not be running on it).`);
  }
  const summary = checkStoreFile(file);
  mkdirSync(dataDir, { recursive: true });
  const target = join(dataDir, STORE_FILE);
  const partial = join(dataDir, `.${STORE_FILE}.partial`);
  copyFileSync(file, partial);
  syncFile(partial);
  renameSync(partial, target);
  syncFile(dataDir);
  return summary;
}

/** Checks that `file` is a whole live-ticker store (SQLite's own check, the store's tables) and counts what it holds. */
export function checkStoreFile(file: string): StoreFileSummary {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`${file} cannot be opened as a SQLite file (${(error as Error).message}).`);
  }
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    let verdicts: string[];
    try {
      verdicts = (db.pragma("quick_check") as { quick_check: string }[]).map((row) => row.quick_check);
    } catch (error) {
      throw new BackupError(`${file} is not a SQLite database (${(error as Error).message}).`);
    }
    if (verdicts.join() !== "ok") throw new BackupError(`${file} is damaged: ${verdicts.slice(0, 5).join("; ")}`);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name));
    const missing = ["stories", "versions", "media", "media_variants", "users", "api_tokens"].filter((table) => !tables.has(table));
    if (missing.length > 0) throw new BackupError(`${file} is not a live-ticker store (no ${missing.join(", ")} table).`);
    // An older file is brought up to date when the server opens it; a newer one this build cannot read.
    const schemaVersion = db.pragma("user_version", { simple: true }) as number;
    if (schemaVersion > SQLITE_SCHEMA_VERSION) {
      throw new BackupError(`${file} was written by a newer build of live-ticker (store version ${schemaVersion}, this build reads up to ${SQLITE_SCHEMA_VERSION}): restore it with that build.`);
    }
    const { bytes } = db.prepare("SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()").get() as { bytes: number };
    return {
      stories: count("stories"),
      versions: count("versions"),
      photos: count("media"),
      accounts: count("users"),
      tokens: count("api_tokens"),
      bytes,
    };
  } finally {
    db.close();
  }
}

/** Flushes a file (or a directory's entries) to the disk, so a rename is durable. */
function syncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** One line for the operator: what a store file holds. */
export function summaryLine(summary: StoreFileSummary): string {
  const mib = (summary.bytes / 1024 / 1024).toFixed(1);
  return `${summary.stories} stories, ${summary.versions} versions, ${summary.photos} photos, ${summary.accounts} accounts, ${summary.tokens} API tokens (${mib} MiB)`;
}
