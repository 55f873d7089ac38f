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
  return { store: new SqliteStore(file), reopen: async () => new SqliteStore(file) };
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

it("gives accounts and tokens of a file from before display names and scopes their login name and `write`", async () => {
  const file = freshFile();
  // The accounts tables as the first release made them.
  const old = new Database(file);
  old.exec(`
    CREATE TABLE users (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, role TEXT NOT NULL, password_hash TEXT NOT NULL,
      must_change_password INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
    CREATE TABLE api_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      secret_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, last_used_at TEXT) WITHOUT ROWID;
    INSERT INTO users VALUES ('u_1', 'olga', 'editor', 'x', 0, '2026-01-01T00:00:00.000Z');
    INSERT INTO api_tokens VALUES ('t_1', 'Wire', 'u_1', 'h1', '2026-01-01T00:00:00.000Z', NULL);
  `);
  old.close();
  for (let open = 0; open < 2; open++) {
    const store = new SqliteStore(file); // twice: the upgrade runs once and leaves the file alone after
    expect(await store.accounts.userById("u_1")).toMatchObject({ username: "olga", displayName: "olga" });
    expect(await store.accounts.tokenBySecretHash("h1")).toMatchObject({ id: "t_1", scopes: ["write"] });
    await store.accounts.createUser({ id: "u_2", username: "pia", displayName: "Pia P.", role: "editor", createdAt: "2026-01-02T00:00:00.000Z", mustChangePassword: false, passwordHash: "y" });
    expect((await store.accounts.userByUsername("pia"))?.displayName).toBe("Pia P.");
    await store.accounts.deleteUser("u_2");
    await store.close();
  }
});
