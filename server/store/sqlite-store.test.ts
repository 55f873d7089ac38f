import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import { SqliteStore } from "./sqlite-store.js";
import { describeStoreContract } from "./store-contract.js";
import { describeAccountsContract } from "./accounts-contract.js";

const freshFile = () => join(mkdtempSync(join(tmpdir(), "live-ticker-store-")), "live-ticker.db");

describeStoreContract("SQLite", async () => {
  const file = freshFile();
  return {
    store: new SqliteStore(file),
    reopen: async () => new SqliteStore(file),
    downgrade: async () => {
      const db = new Database(file);
      db.exec("DROP TABLE removals; ALTER TABLE stories DROP COLUMN title; PRAGMA user_version = 0;");
      db.close();
    },
    exec: async (sql) => {
      const db = new Database(file);
      db.exec(sql);
      db.close();
    },
  };
});
describeAccountsContract("SQLite", async () => new SqliteStore(freshFile()));

it("keeps the log in WAL mode, so readers never block the writer", async () => {
  const file = freshFile();
  const store = new SqliteStore(file);
  const db = new Database(file, { readonly: true });
  expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
  db.close();
  await store.close();
});
