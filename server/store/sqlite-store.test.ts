import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import { SqliteStore } from "./sqlite-store.js";
import { describeStoreContract } from "./store-contract.js";
import { describeAccountsContract } from "./accounts-contract.js";
import { describeDraftPublishContract } from "./draft-publish-contract.js";

const freshFile = () => join(mkdtempSync(join(tmpdir(), "live-ticker-store-")), "live-ticker.db");

describeStoreContract("SQLite", async () => {
  const file = freshFile();
  return { store: new SqliteStore(file), reopen: async () => new SqliteStore(file) };
});
describeAccountsContract("SQLite", async () => new SqliteStore(freshFile()));
describeDraftPublishContract("SQLite, two connections to one file", async () => {
  const file = freshFile();
  return { store: new SqliteStore(file), second: async () => new SqliteStore(file) };
});

it("keeps the log in WAL mode, so readers never block the writer", async () => {
  const file = freshFile();
  const store = new SqliteStore(file);
  const db = new Database(file, { readonly: true });
  expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
  db.close();
  await store.close();
});

it("upgrades a file from before draft revisions in place: waiting drafts are at revision 1", async () => {
  const file = freshFile();
  const old = new Database(file);
  // The drafts table as releases before revisions made it.
  old.exec(`CREATE TABLE drafts (story_id TEXT NOT NULL, id TEXT NOT NULL, author_id TEXT NOT NULL, draft TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (story_id, id)) WITHOUT ROWID`);
  const draft = { id: "d_old", storyId: "s", authorId: "u_1", author: { name: "u1" }, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", body: "Waiting", kind: "update", pinned: false };
  old.prepare("INSERT INTO drafts VALUES ('s', 'd_old', 'u_1', ?, ?)").run(JSON.stringify(draft), draft.createdAt);
  old.close();

  const store = new SqliteStore(file);
  expect(await store.accounts.draft("s", "d_old")).toEqual({ ...draft, revision: 1 });
  expect(await store.accounts.editDraft("s", "d_old", { changes: { body: "Edited" }, at: "2026-02-01T00:00:00.000Z", expectedRevision: 1 })).toMatchObject({ revision: 2 });
  await store.accounts.discardDraft("s", "d_old", { by: { name: "ed" }, at: "2026-02-01T00:00:00.000Z", expectedRevision: 2 });
  expect(await store.accounts.closedDraft("s", "d_old")).toMatchObject({ outcome: "discarded", by: { name: "ed" } });
  await store.close();
  // Opening it again finds it upgraded and changes nothing.
  const again = new SqliteStore(file);
  expect(await again.accounts.closedDraft("s", "d_old")).toMatchObject({ outcome: "discarded" });
  await again.close();
});
