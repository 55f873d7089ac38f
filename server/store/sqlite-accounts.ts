import type Database from "better-sqlite3";
import { nameFold } from "../../shared/display-names.js";
import { editedDraft } from "../../shared/draft-edit.js";
import {
  DisplayNameTaken,
  DraftChanged,
  DraftGone,
  type AccountStore,
  type ClosedDraft,
  type Draft,
  type DraftDiscard,
  type DraftEdit,
  type SessionRecord,
  type TokenRecord,
  type UserChanges,
  type UserWithHash,
} from "./accounts.js";
import {
  CLOSED_DRAFT_COLUMNS,
  closedDraftValues,
  draftJson,
  publicUser,
  scopesColumn,
  toClosedDraft,
  toDraft,
  toToken,
  toUser,
  type ClosedDraftRow,
  type DraftRow,
  type TokenRow,
  type UserRow,
} from "./rows.js";

export const ACCOUNT_SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  display_name_fold TEXT,
  role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'contributor')),
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  desk_language TEXT NOT NULL DEFAULT 'en'
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
  writes_per_minute INTEGER,
  created_at TEXT NOT NULL,
  last_used_at TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS drafts (
  story_id TEXT NOT NULL,
  id TEXT NOT NULL,
  author_id TEXT NOT NULL,
  draft TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revision INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (story_id, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS closed_drafts (
  story_id TEXT NOT NULL,
  id TEXT NOT NULL,
  author_id TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('published', 'discarded')),
  by_name TEXT NOT NULL,
  at TEXT NOT NULL,
  entry_id TEXT,
  PRIMARY KEY (story_id, id)
) WITHOUT ROWID;
`;

/**
 * Brings a file written by an older version up to ACCOUNT_SCHEMA in place (CREATE TABLE IF NOT
 * EXISTS adds new tables, not new columns). Accounts keep their login name as display name and
 * get the English desk; tokens keep what they could do, which is writing, and their owner's write
 * budget (no `writes_per_minute` of their own); drafts gained
 * `revision`, every existing one at 1. Judged by the columns a file has, not by `user_version`:
 * the accounts tables of the first releases predate that count.
 * Under the write lock, so that two processes opening one old file do not both add a column.
 */
function upgrade(db: Database.Database): void {
  const columns = (table: string) => new Set(db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((c) => c.name));
  db.transaction(() => {
    if (!columns("users").has("display_name")) {
      db.exec("ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT ''; UPDATE users SET display_name = username;");
    }
    if (!columns("users").has("desk_language")) db.exec("ALTER TABLE users ADD COLUMN desk_language TEXT NOT NULL DEFAULT 'en'");
    if (!columns("api_tokens").has("scopes")) db.exec("ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'write';");
    if (!columns("api_tokens").has("writes_per_minute")) db.exec("ALTER TABLE api_tokens ADD COLUMN writes_per_minute INTEGER");
    if (!columns("drafts").has("revision")) db.exec("ALTER TABLE drafts ADD COLUMN revision INTEGER NOT NULL DEFAULT 1");
    if (!columns("users").has("display_name_fold")) db.exec("ALTER TABLE users ADD COLUMN display_name_fold TEXT");
    fillNameFolds(db);
    db.exec("CREATE UNIQUE INDEX IF NOT EXISTS users_by_name_fold ON users (display_name_fold)");
  }).immediate();
}

/**
 * Gives every account without one the fold of its display name, oldest account first. Two names
 * from before folds existed may fold the same: the later keeps NULL (which the unique index lets
 * be) until it is renamed (docs/operations.md).
 */
function fillNameFolds(db: Database.Database): void {
  const taken = db.prepare<[string], { id: string }>("SELECT id FROM users WHERE display_name_fold = ?");
  const set = db.prepare("UPDATE users SET display_name_fold = ? WHERE id = ?");
  const unfolded = db.prepare<[], { id: string; display_name: string }>("SELECT id, display_name FROM users WHERE display_name_fold IS NULL ORDER BY created_at, id");
  for (const user of unfolded.all()) {
    const fold = nameFold(user.display_name);
    if (!taken.get(fold)) set.run(fold, user.id);
  }
}

/** SQLite's answer when a row would repeat a UNIQUE column: which one, from the message ("UNIQUE constraint failed: users.display_name_fold"). */
const violates = (error: unknown, column: string) =>
  (error as { code?: unknown } | null)?.code === "SQLITE_CONSTRAINT_UNIQUE" && String((error as Error).message).includes(column);

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
        "INSERT INTO users (id, username, display_name, display_name_fold, role, password_hash, must_change_password, created_at, desk_language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
      insertToken: db.prepare("INSERT INTO api_tokens (id, name, owner_id, secret_hash, scopes, writes_per_minute, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      tokenBySecret: db.prepare<[string], TokenRow>("SELECT * FROM api_tokens WHERE secret_hash = ?"),
      tokens: db.prepare<[], TokenRow>("SELECT * FROM api_tokens ORDER BY created_at"),
      tokensOf: db.prepare<[string], TokenRow>("SELECT * FROM api_tokens WHERE owner_id = ? ORDER BY created_at"),
      touchToken: db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?"),
      deleteToken: db.prepare("DELETE FROM api_tokens WHERE id = ?"),
      insertDraft: db.prepare("INSERT INTO drafts (story_id, id, author_id, draft, created_at, revision) VALUES (?, ?, ?, ?, ?, ?)"),
      draft: db.prepare<[string, string], DraftRow>("SELECT draft, revision FROM drafts WHERE story_id = ? AND id = ?"),
      drafts: db.prepare<[string], DraftRow>("SELECT draft, revision FROM drafts WHERE story_id = ? ORDER BY created_at DESC, id"),
      draftsOf: db.prepare<[string, string], DraftRow>(
        "SELECT draft, revision FROM drafts WHERE story_id = ? AND author_id = ? ORDER BY created_at DESC, id",
      ),
      updateDraft: db.prepare("UPDATE drafts SET draft = ?, revision = ? WHERE story_id = ? AND id = ?"),
      deleteDraft: db.prepare("DELETE FROM drafts WHERE story_id = ? AND id = ?"),
      closedDraft: db.prepare<[string, string], ClosedDraftRow>(`SELECT ${CLOSED_DRAFT_COLUMNS} FROM closed_drafts WHERE story_id = ? AND id = ?`),
      closedDraftsOf: db.prepare<[string, string, string], ClosedDraftRow>(
        `SELECT ${CLOSED_DRAFT_COLUMNS} FROM closed_drafts WHERE story_id = ? AND author_id = ? AND at >= ? ORDER BY at DESC, id`,
      ),
      insertClosed: db.prepare(`INSERT INTO closed_drafts (${CLOSED_DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  async countUsers() {
    return this.#sql.countUsers.get()!.n;
  }
  async createUser(user: UserWithHash) {
    this.#uniqueName(user.displayName, () =>
      this.#sql.insertUser.run(user.id, user.username, user.displayName, nameFold(user.displayName), user.role, user.passwordHash, Number(user.mustChangePassword), user.createdAt, user.deskLanguage),
    );
  }
  /** Runs a write that sets `displayName`, turning the unique fold's refusal into DisplayNameTaken. */
  #uniqueName(displayName: string, write: () => void): void {
    try {
      write();
    } catch (error) {
      throw violates(error, "users.display_name_fold") ? new DisplayNameTaken(displayName) : error;
    }
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
      display_name_fold: changes.displayName === undefined ? undefined : nameFold(changes.displayName),
      password_hash: changes.passwordHash,
      must_change_password: changes.mustChangePassword === undefined ? undefined : Number(changes.mustChangePassword),
      desk_language: changes.deskLanguage,
    };
    const sets = Object.entries(columns).filter(([, value]) => value !== undefined);
    if (sets.length === 0) return;
    // Column names come from the object above, never from input.
    const update = () => this.#db.prepare(`UPDATE users SET ${sets.map(([column]) => `${column} = ?`).join(", ")} WHERE id = ?`).run(...sets.map(([, v]) => v), id);
    this.#uniqueName(changes.displayName ?? "", update);
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
    this.#sql.insertToken.run(token.id, token.name, token.ownerId, secretHash, scopesColumn(token.scopes), token.writesPerMinute ?? null, token.createdAt);
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
    this.#sql.insertDraft.run(draft.storyId, draft.id, draft.authorId, draftJson(draft), draft.createdAt, draft.revision);
  }
  async draft(storyId: string, id: string) {
    const row = this.#sql.draft.get(storyId, id);
    return row && toDraft(row);
  }
  async closedDraft(storyId: string, id: string) {
    const row = this.#sql.closedDraft.get(storyId, id);
    return row && toClosedDraft(row);
  }
  async closedDraftsOf(storyId: string, authorId: string, since: string) {
    return this.#sql.closedDraftsOf.all(storyId, authorId, since).map(toClosedDraft);
  }
  async listDrafts(storyId: string, authorId?: string) {
    return (authorId ? this.#sql.draftsOf.all(storyId, authorId) : this.#sql.drafts.all(storyId)).map(toDraft);
  }
  async editDraft(storyId: string, id: string, edit: DraftEdit) {
    return this.#db
      .transaction(() => {
        const next = editedDraft(this.#openDraft(storyId, id, edit.expectedRevision), edit.changes, edit.at);
        this.#sql.updateDraft.run(draftJson(next), next.revision, storyId, id);
        return next;
      })
      .immediate();
  }
  async discardDraft(storyId: string, id: string, discard: DraftDiscard) {
    this.#db
      .transaction(() => {
        const draft = this.takeDraft(storyId, id, discard.expectedRevision);
        this.recordClosed({ id, storyId, authorId: draft.authorId, outcome: "discarded", by: discard.by, at: discard.at });
      })
      .immediate();
  }

  /**
   * Removes an open draft and returns it; throws DraftGone or DraftChanged. Only inside a write
   * transaction (BEGIN IMMEDIATE), which the caller also uses to record what became of it.
   */
  takeDraft(storyId: string, id: string, expectedRevision?: number): Draft {
    const draft = this.#openDraft(storyId, id, expectedRevision);
    this.#sql.deleteDraft.run(storyId, id);
    return draft;
  }
  recordClosed(closed: ClosedDraft): void {
    this.#sql.insertClosed.run(...closedDraftValues(closed));
  }

  /** The open draft at `expectedRevision` (if given), read under the caller's write transaction. */
  #openDraft(storyId: string, id: string, expectedRevision: number | undefined): Draft {
    const row = this.#sql.draft.get(storyId, id);
    if (!row) {
      const closed = this.#sql.closedDraft.get(storyId, id);
      throw new DraftGone(closed && toClosedDraft(closed));
    }
    if (expectedRevision !== undefined && row.revision !== expectedRevision) throw new DraftChanged(row.revision);
    return toDraft(row);
  }
}
