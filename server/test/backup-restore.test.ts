/**
 * Backups that restore (DESIGN.md §7): `npm run backup` copies a running SQLite installation
 * while an editor writes, `npm run restore` puts the copy in an empty DATA_DIR, and the server
 * started on it holds every story, version, photo, account and token the original held; the
 * same for PostgreSQL through the documented pg_dump / pg_restore commands.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { SQLITE_SCHEMA_VERSION } from "../store/sqlite-store.js";
import { children, startChild, stopChild, type Child } from "./child-server.js";
import { expectSameInstallation, fillInstallation, keepWriting, run } from "./installation.js";
import { postgresUrl, requireService } from "./services.js";

const UNTHROTTLED = { WRITES_PER_MINUTE: "1000000" };

afterAll(async () => {
  await Promise.all([...children].map((child) => stopChild(child)));
});

describe("npm run backup / npm run restore (SQLite, photos included)", { timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "live-ticker-backup-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const sqliteEnv = (dataDir: string) => ({ DATA_DIR: dataDir, DATABASE_URL: undefined, REDIS_URL: undefined });

  it("copies a running installation while an editor writes, and restores it whole onto an empty DATA_DIR", async () => {
    const originalDir = join(work, "original");
    const original = await startChild(originalDir, { env: UNTHROTTLED });
    const contents = await fillInstallation(original.url);
    const [movingStory] = contents.storyIds as [string];
    const writer = keepWriting(original.url, movingStory);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const writtenBefore = writer.acknowledged.at(-1)!;

    const file = join(work, "backups", "live-ticker-backup.db");
    const backup = await run("npm", ["run", "--silent", "backup", "--", file], sqliteEnv(originalDir));
    const writtenDuring = writer.acknowledged.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    await writer.stop();
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^Backed up .* stories, \d+ versions, 2 photos, 2 accounts, 1 API tokens/m);
    expect(writer.acknowledged.length).toBeGreaterThan(writtenDuring); // writes went on during and after it
    // Nothing half-written is left beside the backup.
    expect(readdirSync(join(work, "backups"))).toEqual(["live-ticker-backup.db"]);

    // A second backup to the same name is refused: a backup never overwrites one.
    const again = await run("npm", ["run", "--silent", "backup", "--", file], sqliteEnv(originalDir));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("exists already");

    const restoredDir = join(work, "restored");
    const restore = await run("npm", ["run", "--silent", "restore", "--", file], sqliteEnv(restoredDir));
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain("Restored");
    const restored = await startChild(restoredDir, { env: UNTHROTTLED });
    await expectSameInstallation(original.url, restored.url, contents, { storyId: movingStory, atLeast: writtenBefore });

    // Restoring over a store is refused; so is a file that is not a backup.
    const over = await run("npm", ["run", "--silent", "restore", "--", file], sqliteEnv(restoredDir));
    expect([over.code, over.stderr]).toEqual([1, expect.stringContaining("is not empty")]);
    const notBackup = await run("npm", ["run", "--silent", "restore", "--", join(import.meta.dirname, "backup-restore.test.ts")], sqliteEnv(join(work, "empty")));
    expect([notBackup.code, notBackup.stderr]).toEqual([1, expect.stringMatching(/not a SQLite database|cannot be opened/)]);
    expect(existsSync(join(work, "empty", "live-ticker.db"))).toBe(false);
    // A backup from a newer build (a higher store version) is refused, not silently misread.
    const newer = join(work, "newer.db");
    copyFileSync(file, newer);
    const db = new Database(newer);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    const fromNewer = await run("npm", ["run", "--silent", "restore", "--", newer], sqliteEnv(join(work, "empty")));
    expect([fromNewer.code, fromNewer.stderr]).toEqual([1, expect.stringContaining("newer build")]);
    await Promise.all([stopChild(original.process), stopChild(restored.process)]);
  });
});

/** PostgreSQL's own tools, which the documented path uses: missing, the suite skips saying why, except in CI. */
function requirePgTools(): boolean {
  const missing = ["pg_dump", "pg_restore"].filter((tool) => spawnSync(tool, ["--version"]).status !== 0);
  if (missing.length === 0) return true;
  if (process.env.CI) throw new Error(`${missing.join(" and ")} not found: .ci/run must install postgresql-client.`);
  console.warn(`Skipping the pg_dump/pg_restore test: no ${missing.join(" or ")} (apt-get install postgresql-client).`);
  return false;
}

const hasPostgres = (await requireService("postgres")) && requirePgTools();

describe.skipIf(!hasPostgres)("pg_dump / pg_restore (PostgreSQL, as docs/operations.md says)", { timeout: 120_000 }, () => {
  const schema = `lt_backup_${Math.random().toString(36).slice(2, 10)}`;
  const restoredDatabase = `lt_restore_${Math.random().toString(36).slice(2, 10)}`;
  const work = mkdtempSync(join(tmpdir(), "live-ticker-pg-backup-"));
  const serverUrl = postgresUrl().replace(/\?.*$/, "");
  const restoredUrl = serverUrl.replace(/\/[^/]*$/, `/${restoredDatabase}`);
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  afterAll(async () => {
    await Promise.all([...children].map((child) => stopChild(child)));
    await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin(`DROP DATABASE IF EXISTS "${restoredDatabase}"`);
    rmSync(work, { recursive: true, force: true });
  });

  it("dumps a running installation while an editor writes, and restores it whole into an empty database", async () => {
    const original: Child = await startChild(join(work, "unused"), { env: { ...UNTHROTTLED, DATABASE_URL: `${serverUrl}?schema=${schema}` } });
    const contents = await fillInstallation(original.url);
    const [movingStory] = contents.storyIds as [string];
    const writer = keepWriting(original.url, movingStory);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const writtenBefore = writer.acknowledged.at(-1)!;

    const file = join(work, "live-ticker.dump");
    const dump = await run("pg_dump", ["--format=custom", `--schema=${schema}`, `--file=${file}`, serverUrl]);
    await writer.stop();
    expect(dump.code, dump.stderr).toBe(0);

    await admin(`CREATE DATABASE "${restoredDatabase}"`);
    const restore = await run("pg_restore", ["--no-owner", "--exit-on-error", `--dbname=${restoredUrl}`, file]);
    expect(restore.code, restore.stderr).toBe(0);
    const restored = await startChild(join(work, "unused-too"), { env: { ...UNTHROTTLED, DATABASE_URL: `${restoredUrl}?schema=${schema}` } });
    await expectSameInstallation(original.url, restored.url, contents, { storyId: movingStory, atLeast: writtenBefore });
  });
});
