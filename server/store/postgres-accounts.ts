import type pg from "pg";
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
import { inTransaction } from "./pg-transaction.js";
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

/** bigint columns arrive as strings (node-postgres does not risk precision); ms timestamps fit a number. */
interface SessionRow {
  id_hash: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
}


/** Awaits a write that sets `displayName`, turning the unique fold's refusal (23505 on users_display_name_fold) into DisplayNameTaken. */
async function uniqueName(displayName: string, write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
    throw code === "23505" && constraint === "users_display_name_fold" ? new DisplayNameTaken(displayName) : error;
  }
}

const USER_COLUMNS = "id, username, display_name, role, password_hash, must_change_password, created_at, desk_language";
const TOKEN_COLUMNS = "id, name, owner_id, scopes, writes_per_minute, created_at, last_used_at";

/**
 * Accounts, sessions, tokens and drafts in the same PostgreSQL schema as the stories (tables from
 * pg-migrations.ts). Same behaviour as SqliteAccounts; orderings use the "C" collation so that
 * they compare bytes, as SQLite does, whatever the database's locale.
 */
export class PostgresAccounts implements AccountStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async #rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.#pool.query<R>(sql, params)).rows;
  }
  async #run(sql: string, params: unknown[]): Promise<number> {
    return (await this.#pool.query(sql, params)).rowCount ?? 0;
  }

  async countUsers() {
    const [row] = await this.#rows<{ n: number }>("SELECT count(*)::integer AS n FROM users");
    return row!.n;
  }
  async createUser(user: UserWithHash) {
    await uniqueName(
      user.displayName,
      this.#run(`INSERT INTO users (${USER_COLUMNS}, display_name_fold) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
        user.id,
        user.username,
        user.displayName,
        user.role,
        user.passwordHash,
        user.mustChangePassword,
        user.createdAt,
        user.deskLanguage,
        nameFold(user.displayName),
      ]),
    );
  }
  async userById(id: string) {
    const [row] = await this.#rows<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return row && toUser(row);
  }
  async userByUsername(username: string) {
    const [row] = await this.#rows<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = $1`, [username]);
    return row && toUser(row);
  }
  async listUsers() {
    const rows = await this.#rows<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY username COLLATE "C"`);
    return rows.map((row) => publicUser(toUser(row)));
  }
  async updateUser(id: string, changes: UserChanges) {
    const columns = {
      role: changes.role,
      display_name: changes.displayName,
      display_name_fold: changes.displayName === undefined ? undefined : nameFold(changes.displayName),
      password_hash: changes.passwordHash,
      must_change_password: changes.mustChangePassword,
      desk_language: changes.deskLanguage,
    };
    const sets = Object.entries(columns).filter(([, value]) => value !== undefined);
    if (sets.length === 0) return;
    // Column names come from the object above, never from input.
    const assignments = sets.map(([column], i) => `${column} = $${i + 1}`).join(", ");
    await uniqueName(changes.displayName ?? "", this.#run(`UPDATE users SET ${assignments} WHERE id = $${sets.length + 1}`, [...sets.map(([, value]) => value), id]));
  }
  async deleteUser(id: string) {
    // Sessions and tokens go with the user: ON DELETE CASCADE.
    await this.#run("DELETE FROM users WHERE id = $1", [id]);
  }

  async createSession(session: SessionRecord) {
    await this.#run("INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4)", [
      session.idHash,
      session.userId,
      session.createdAt,
      session.lastSeenAt,
    ]);
  }
  async session(idHash: string) {
    const [row] = await this.#rows<SessionRow>("SELECT id_hash, user_id, created_at, last_seen_at FROM sessions WHERE id_hash = $1", [idHash]);
    return row && { idHash: row.id_hash, userId: row.user_id, createdAt: Number(row.created_at), lastSeenAt: Number(row.last_seen_at) };
  }
  async touchSession(idHash: string, lastSeenAt: number) {
    await this.#run("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2", [lastSeenAt, idHash]);
  }
  async deleteSession(idHash: string) {
    await this.#run("DELETE FROM sessions WHERE id_hash = $1", [idHash]);
  }
  async deleteSessionsOf(userId: string, keep = "") {
    await this.#run("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2", [userId, keep]);
  }

  async createToken(token: TokenRecord, secretHash: string) {
    await this.#run("INSERT INTO api_tokens (id, name, owner_id, secret_hash, scopes, writes_per_minute, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)", [
      token.id,
      token.name,
      token.ownerId,
      secretHash,
      scopesColumn(token.scopes),
      token.writesPerMinute ?? null,
      token.createdAt,
    ]);
  }
  async tokenBySecretHash(secretHash: string) {
    const [row] = await this.#rows<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE secret_hash = $1`, [secretHash]);
    return row && toToken(row);
  }
  async listTokens(ownerId?: string) {
    const rows = ownerId
      ? await this.#rows<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE owner_id = $1 ORDER BY created_at COLLATE "C", id COLLATE "C"`, [ownerId])
      : await this.#rows<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at COLLATE "C", id COLLATE "C"`);
    return rows.map(toToken);
  }
  async touchToken(id: string, at: string) {
    await this.#run("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", [at, id]);
  }
  async deleteToken(id: string) {
    return (await this.#run("DELETE FROM api_tokens WHERE id = $1", [id])) > 0;
  }

  async createDraft(draft: Draft) {
    await this.#run("INSERT INTO drafts (story_id, id, author_id, draft, created_at, revision) VALUES ($1, $2, $3, $4, $5, $6)", [
      draft.storyId,
      draft.id,
      draft.authorId,
      draftJson(draft),
      draft.createdAt,
      draft.revision,
    ]);
  }
  async draft(storyId: string, id: string) {
    const [row] = await this.#rows<DraftRow>("SELECT draft, revision FROM drafts WHERE story_id = $1 AND id = $2", [storyId, id]);
    return row && toDraft(row);
  }
  async closedDraft(storyId: string, id: string) {
    return closedDraftIn(this.#pool, storyId, id);
  }
  async closedDraftsOf(storyId: string, authorId: string, since: string) {
    const rows = await this.#rows<ClosedDraftRow>(
      `SELECT ${CLOSED_DRAFT_COLUMNS} FROM closed_drafts WHERE story_id = $1 AND author_id = $2 AND at COLLATE "C" >= $3 ORDER BY at COLLATE "C" DESC, id COLLATE "C"`,
      [storyId, authorId, since],
    );
    return rows.map(toClosedDraft);
  }
  async listDrafts(storyId: string, authorId?: string) {
    const order = `ORDER BY created_at COLLATE "C" DESC, id COLLATE "C"`;
    const rows = authorId
      ? await this.#rows<DraftRow>(`SELECT draft, revision FROM drafts WHERE story_id = $1 AND author_id = $2 ${order}`, [storyId, authorId])
      : await this.#rows<DraftRow>(`SELECT draft, revision FROM drafts WHERE story_id = $1 ${order}`, [storyId]);
    return rows.map(toDraft);
  }
  async editDraft(storyId: string, id: string, edit: DraftEdit) {
    return inTransaction(this.#pool, async (client) => {
      const next = editedDraft(await openDraft(client, storyId, id, edit.expectedRevision), edit.changes, edit.at);
      await client.query("UPDATE drafts SET draft = $1, revision = $2 WHERE story_id = $3 AND id = $4", [draftJson(next), next.revision, storyId, id]);
      return next;
    });
  }
  async discardDraft(storyId: string, id: string, discard: DraftDiscard) {
    await inTransaction(this.#pool, async (client) => {
      const draft = await this.takeDraft(client, storyId, id, discard.expectedRevision);
      await this.recordClosed(client, { id, storyId, authorId: draft.authorId, outcome: "discarded", by: discard.by, at: discard.at });
    });
  }

  /** Removes an open draft and returns it; throws DraftGone or DraftChanged. Only inside the caller's transaction (`client`). */
  async takeDraft(client: pg.PoolClient, storyId: string, id: string, expectedRevision?: number): Promise<Draft> {
    const draft = await openDraft(client, storyId, id, expectedRevision);
    await client.query("DELETE FROM drafts WHERE story_id = $1 AND id = $2", [storyId, id]);
    return draft;
  }
  async recordClosed(client: pg.PoolClient, closed: ClosedDraft): Promise<void> {
    await client.query(`INSERT INTO closed_drafts (${CLOSED_DRAFT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, closedDraftValues(closed));
  }
}

async function closedDraftIn(db: pg.Pool | pg.PoolClient, storyId: string, id: string): Promise<ClosedDraft | undefined> {
  const { rows: [row] } = await db.query<ClosedDraftRow>(`SELECT ${CLOSED_DRAFT_COLUMNS} FROM closed_drafts WHERE story_id = $1 AND id = $2`, [storyId, id]);
  return row && toClosedDraft(row);
}

/**
 * The open draft at `expectedRevision` (if given), its row locked until the transaction ends: a
 * concurrent edit, discard or publish of it waits here, then reads what this one left.
 */
async function openDraft(client: pg.PoolClient, storyId: string, id: string, expectedRevision: number | undefined): Promise<Draft> {
  const { rows: [row] } = await client.query<DraftRow>("SELECT draft, revision FROM drafts WHERE story_id = $1 AND id = $2 FOR UPDATE", [storyId, id]);
  if (!row) throw new DraftGone(await closedDraftIn(client, storyId, id));
  if (expectedRevision !== undefined && row.revision !== expectedRevision) throw new DraftChanged(row.revision);
  return toDraft(row);
}
