import type Database from "better-sqlite3";
import type { AccountStore, Draft, SessionRecord, TokenRecord, UserChanges, UserWithHash } from "./accounts.js";
import { publicUser, scopesColumn, toToken, toUser, type TokenRow, type UserRow } from "./rows.js";

export const ACCOUNT_SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'contributor')),
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);
CREATE TABLE IF NOT EXISTS api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  secret_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL DEFAULT 'write',
  created_at TEXT NOT NULL,
  last_used_at TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS drafts (
  story_id TEXT NOT NULL,
  id TEXT NOT NULL,
  author_id TEXT NOT NULL,
  draft TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (story_id, id)
) WITHOUT ROWID;
`;

/**
 * Columns added after the first release, for files made before them (CREATE TABLE IF NOT EXISTS
 * leaves an existing table as it was). Accounts keep their login name as display name; tokens
 * keep what they could do, which is writing.
 */
function upgrade(db: Database.Database): void {
  const columns = (table: string) => new Set(db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((c) => c.name));
  db.transaction(() => {
    if (!columns("users").has("display_name")) {
      db.exec("ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT ''; UPDATE users SET display_name = username;");
    }
    if (!columns("api_tokens").has("scopes")) db.exec("ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'write';");
  }).immediate();
}

/** Accounts, sessions, tokens and drafts in the same SQLite file as the stories. */
export class SqliteAccounts implements AccountStore {
  readonly #db: Database.Database;
  readonly #sql;

  constructor(db: Database.Database) {
    db.exec(ACCOUNT_SCHEMA);
    upgrade(db);
    this.#db = db;
    this.#sql = {
      countUsers: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM users"),
      insertUser: db.prepare(
        "INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      userById: db.prepare<[string], UserRow>("SELECT * FROM users WHERE id = ?"),
      userByName: db.prepare<[string], UserRow>("SELECT * FROM users WHERE username = ?"),
      users: db.prepare<[], UserRow>("SELECT * FROM users ORDER BY username"),
      deleteUser: db.prepare("DELETE FROM users WHERE id = ?"),
      insertSession: db.prepare("INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)"),
      session: db.prepare<[string], { id_hash: string; user_id: string; created_at: number; last_seen_at: number }>(
        "SELECT * FROM sessions WHERE id_hash = ?",
      ),
      touchSession: db.prepare("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?"),
      deleteSession: db.prepare("DELETE FROM sessions WHERE id_hash = ?"),
      deleteSessionsOf: db.prepare("DELETE FROM sessions WHERE user_id = ? AND id_hash != ?"),
      insertToken: db.prepare("INSERT INTO api_tokens (id, name, owner_id, secret_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
      tokenBySecret: db.prepare<[string], TokenRow>("SELECT * FROM api_tokens WHERE secret_hash = ?"),
      tokens: db.prepare<[], TokenRow>("SELECT * FROM api_tokens ORDER BY created_at"),
      tokensOf: db.prepare<[string], TokenRow>("SELECT * FROM api_tokens WHERE owner_id = ? ORDER BY created_at"),
      touchToken: db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?"),
      deleteToken: db.prepare("DELETE FROM api_tokens WHERE id = ?"),
      insertDraft: db.prepare("INSERT INTO drafts (story_id, id, author_id, draft, created_at) VALUES (?, ?, ?, ?, ?)"),
      draft: db.prepare<[string, string], { draft: string }>("SELECT draft FROM drafts WHERE story_id = ? AND id = ?"),
      drafts: db.prepare<[string], { draft: string }>("SELECT draft FROM drafts WHERE story_id = ? ORDER BY created_at DESC, id"),
      draftsOf: db.prepare<[string, string], { draft: string }>(
        "SELECT draft FROM drafts WHERE story_id = ? AND author_id = ? ORDER BY created_at DESC, id",
      ),
      updateDraft: db.prepare("UPDATE drafts SET draft = ? WHERE story_id = ? AND id = ?"),
      deleteDraft: db.prepare("DELETE FROM drafts WHERE story_id = ? AND id = ?"),
    };
  }

  async countUsers() {
    return this.#sql.countUsers.get()!.n;
  }
  async createUser(user: UserWithHash) {
    this.#sql.insertUser.run(user.id, user.username, user.displayName, user.role, user.passwordHash, Number(user.mustChangePassword), user.createdAt);
  }
  async userById(id: string) {
    const row = this.#sql.userById.get(id);
    return row && toUser(row);
  }
  async userByUsername(username: string) {
    const row = this.#sql.userByName.get(username);
    return row && toUser(row);
  }
  async listUsers() {
    return this.#sql.users.all().map((row) => publicUser(toUser(row)));
  }
  async updateUser(id: string, changes: UserChanges) {
    const columns = {
      role: changes.role,
      display_name: changes.displayName,
      password_hash: changes.passwordHash,
      must_change_password: changes.mustChangePassword === undefined ? undefined : Number(changes.mustChangePassword),
    };
    const sets = Object.entries(columns).filter(([, value]) => value !== undefined);
    if (sets.length === 0) return;
    // Column names come from the object above, never from input.
    this.#db.prepare(`UPDATE users SET ${sets.map(([column]) => `${column} = ?`).join(", ")} WHERE id = ?`).run(...sets.map(([, v]) => v), id);
  }
  async deleteUser(id: string) {
    this.#sql.deleteUser.run(id);
  }

  async createSession(session: SessionRecord) {
    this.#sql.insertSession.run(session.idHash, session.userId, session.createdAt, session.lastSeenAt);
  }
  async session(idHash: string) {
    const row = this.#sql.session.get(idHash);
    return row && { idHash: row.id_hash, userId: row.user_id, createdAt: row.created_at, lastSeenAt: row.last_seen_at };
  }
  async touchSession(idHash: string, lastSeenAt: number) {
    this.#sql.touchSession.run(lastSeenAt, idHash);
  }
  async deleteSession(idHash: string) {
    this.#sql.deleteSession.run(idHash);
  }
  async deleteSessionsOf(userId: string, keep = "") {
    this.#sql.deleteSessionsOf.run(userId, keep);
  }

  async createToken(token: TokenRecord, secretHash: string) {
    this.#sql.insertToken.run(token.id, token.name, token.ownerId, secretHash, scopesColumn(token.scopes), token.createdAt);
  }
  async tokenBySecretHash(secretHash: string) {
    const row = this.#sql.tokenBySecret.get(secretHash);
    return row && toToken(row);
  }
  async listTokens(ownerId?: string) {
    return (ownerId ? this.#sql.tokensOf.all(ownerId) : this.#sql.tokens.all()).map(toToken);
  }
  async touchToken(id: string, at: string) {
    this.#sql.touchToken.run(at, id);
  }
  async deleteToken(id: string) {
    return this.#sql.deleteToken.run(id).changes > 0;
  }

  async createDraft(draft: Draft) {
    this.#sql.insertDraft.run(draft.storyId, draft.id, draft.authorId, JSON.stringify(draft), draft.createdAt);
  }
  async draft(storyId: string, id: string) {
    const row = this.#sql.draft.get(storyId, id);
    return row && (JSON.parse(row.draft) as Draft);
  }
  async listDrafts(storyId: string, authorId?: string) {
    return (authorId ? this.#sql.draftsOf.all(storyId, authorId) : this.#sql.drafts.all(storyId)).map((row) => JSON.parse(row.draft) as Draft);
  }
  async updateDraft(draft: Draft) {
    this.#sql.updateDraft.run(JSON.stringify(draft), draft.storyId, draft.id);
  }
  async deleteDraft(storyId: string, id: string) {
    return this.#sql.deleteDraft.run(storyId, id).changes > 0;
  }
}
