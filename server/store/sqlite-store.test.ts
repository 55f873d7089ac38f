import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import { openDatabase, SqliteStore } from "./sqlite-store.js";
import { describeStoreContract } from "./store-contract.js";
import { describeAccountsContract } from "./accounts-contract.js";
import { describeDisplayNamesContract } from "./display-names-contract.js";
import { describeDraftPublishContract } from "./draft-publish-contract.js";
import { describeMediaContract } from "./media-contract.js";
import { describePushContract } from "./push-contract.js";
import { describeQuestionContract } from "./question-contract.js";
import { describeScheduledContract } from "./scheduled-contract.js";

const freshFile = () => join(mkdtempSync(join(tmpdir(), "live-ticker-store-")), "live-ticker.db");

/**
 * The layout of the release before story pieces (user_version 3): each story's whole latest
 * snapshot in its row, as that release wrote it (SQLite's JSON functions put the pieces together).
 */
const WHOLE_SNAPSHOTS = `
ALTER TABLE stories ADD COLUMN snapshot TEXT NOT NULL DEFAULT '';
UPDATE stories SET snapshot = json_set(head, '$.entries',
  json((SELECT json_group_object(entry_id, json(entry)) FROM story_entries WHERE story_id = stories.id)));
ALTER TABLE stories DROP COLUMN head;
DROP TABLE story_entries;
PRAGMA user_version = 3;`;

describeStoreContract("SQLite", async () => {
  const file = freshFile();
  const exec = async (sql: string) => {
    const db = new Database(file);
    db.exec(sql);
    db.close();
  };
  return {
    store: new SqliteStore(file),
    reopen: async () => new SqliteStore(file),
    wholeSnapshots: () => exec(WHOLE_SNAPSHOTS),
    downgrade: () => exec(`${WHOLE_SNAPSHOTS}; DROP TABLE removals; ALTER TABLE stories DROP COLUMN title; PRAGMA user_version = 0;`),
    exec,
  };
});
describeAccountsContract("SQLite", async () => new SqliteStore(freshFile()));
describeDisplayNamesContract("SQLite", async () => {
  const file = freshFile();
  const store = new SqliteStore(file);
  return {
    accounts: store.accounts,
    close: () => store.close(),
    reopen: async () => new SqliteStore(file),
    exec: async (sql) => {
      const db = new Database(file);
      db.exec(sql);
      db.close();
    },
    beforeFolds: "DROP INDEX users_by_name_fold; UPDATE users SET display_name_fold = NULL",
  };
});
describeMediaContract("SQLite", async () => {
  const file = freshFile();
  return { store: new SqliteStore(file), reopen: async () => new SqliteStore(file) };
});
describeDraftPublishContract("SQLite, two connections to one file", async () => {
  const file = freshFile();
  return { store: new SqliteStore(file), second: async () => new SqliteStore(file) };
});
describeScheduledContract("SQLite, two connections to one file", async () => {
  const file = freshFile();
  return { store: new SqliteStore(file), second: async () => new SqliteStore(file) };
});
describePushContract("SQLite, two connections to one file", async () => {
  const file = freshFile();
  return { store: new SqliteStore(file), second: async () => new SqliteStore(file) };
});
describeQuestionContract("SQLite, two connections to one file", async () => {
  const file = freshFile();
  return { store: new SqliteStore(file), second: async () => new SqliteStore(file) };
});

it("opens its connection with synchronous=FULL (a commit is on disk before it is answered), a busy timeout, foreign keys and a 2 MiB page cache", () => {
  const db = openDatabase(freshFile());
  // NORMAL (1), the usual speed-up in WAL mode, would lose the last commits on a power cut.
  expect(db.pragma("synchronous", { simple: true })).toBe(2); // 2 = FULL
  expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
  expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
  expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
  // Not SQLite's 16 MB: a cache that fills as the file grows reads as memory rising for an hour.
  expect(db.pragma("cache_size", { simple: true })).toBe(-2048);
  db.close();
});

it("keeps the log in WAL mode, so readers never block the writer", async () => {
  const file = freshFile();
  const store = new SqliteStore(file);
  const db = new Database(file, { readonly: true });
  expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
  db.close();
  await store.close();
});

it("gives accounts and tokens of a file from before display names, scopes and desk languages their login name, `write` and the English desk", async () => {
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
    expect(await store.accounts.userById("u_1")).toMatchObject({ username: "olga", displayName: "olga", deskLanguage: "en" });
    expect(await store.accounts.tokenBySecretHash("h1")).toMatchObject({ id: "t_1", scopes: ["write"] });
    expect(await store.accounts.tokenBySecretHash("h1")).not.toHaveProperty("writesPerMinute");
    await store.accounts.createToken({ id: `t_${open + 2}`, name: "Feed", ownerId: "u_1", scopes: ["write"], writesPerMinute: 600, createdAt: "2026-01-02T00:00:00.000Z" }, `h${open + 2}`);
    expect((await store.accounts.tokenBySecretHash(`h${open + 2}`))?.writesPerMinute).toBe(600);
    await store.accounts.createUser({ id: "u_2", username: "pia", displayName: "Pia P.", role: "editor", createdAt: "2026-01-02T00:00:00.000Z", mustChangePassword: false, passwordHash: "y", deskLanguage: "uk" });
    expect((await store.accounts.userByUsername("pia"))?.deskLanguage).toBe("uk");
    expect((await store.accounts.userByUsername("pia"))?.displayName).toBe("Pia P.");
    await store.accounts.deleteUser("u_2");
    await store.close();
  }
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

it("upgrades a file from before uploaders in place: its images have no known uploader, their variants' size, and count as published", async () => {
  const file = freshFile();
  const first = new SqliteStore(file);
  const image = { id: `m_${"a".repeat(32)}`, width: 2, height: 1, placeholder: "#000000" };
  await first.media.putImage(image, [{ name: 480, format: "jpeg", bytes: Buffer.alloc(300) }, { name: 480, format: "webp", bytes: Buffer.alloc(200) }], "2026-01-01T00:00:00.000Z", "u_1");
  await first.close();
  // The media table as releases before uploaders made it (user_version 4).
  const old = new Database(file);
  old.exec("DROP INDEX media_by_uploader; DROP INDEX media_unpublished; ALTER TABLE media DROP COLUMN uploader; ALTER TABLE media DROP COLUMN bytes; ALTER TABLE media DROP COLUMN removed_at; ALTER TABLE media DROP COLUMN published; PRAGMA user_version = 4;");
  old.close();

  const store = new SqliteStore(file);
  expect(await store.media.record(image.id)).toEqual({ ...image, createdAt: "2026-01-01T00:00:00.000Z", bytes: 500 });
  // An old version may show it: it counts as published, and is never collected.
  expect(await store.media.collectUnreferenced("2027-01-01T00:00:00.000Z", 10)).toEqual([]);
  expect(await store.media.takeDown(image.id, "2026-02-01T00:00:00.000Z")).toMatchObject({ removedAt: "2026-02-01T00:00:00.000Z" });
  await store.close();
});
