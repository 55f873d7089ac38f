import type Database from "better-sqlite3";
import type { Question } from "../../shared/questions.js";
import { forDesk, QUESTION_COLUMNS, QUESTION_TABLES, toQuestion } from "./question-sql.js";
import type { AskOutcome, Moderation, NewQuestion, QuestionStore, SpentNonce } from "./question-store.js";

/** Readers' questions' tables (issue 36). */
export const SQLITE_QUESTION_TABLES = QUESTION_TABLES({ bigint: "INTEGER" });

/** Questions in the SQLite file; an ask is one BEGIN IMMEDIATE transaction, so the cap and the fold hold. */
export class SqliteQuestions implements QuestionStore {
  readonly #db: Database.Database;
  readonly #sql;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#sql = {
      secret: db.prepare<[], string>("SELECT secret FROM question_secret WHERE id = 1").pluck(),
      insertSecret: db.prepare("INSERT OR IGNORE INTO question_secret (id, secret) VALUES (1, ?)"),
      pendingAll: db.prepare<[], number>("SELECT count(*) FROM questions WHERE status = 'pending'").pluck(),
      pending: db.prepare<[string], number>("SELECT count(*) FROM questions WHERE story_id = ? AND status = 'pending'").pluck(),
      fold: db.prepare("UPDATE questions SET asks = asks + 1 WHERE story_id = ? AND fold = ?"),
      byFold: db.prepare<[string, string], Record<string, unknown>>(`SELECT ${QUESTION_COLUMNS} FROM questions WHERE story_id = ? AND fold = ?`),
      insert: db.prepare(
        "INSERT INTO questions (id, story_id, text, name, fold, address_key, asked_at, status) VALUES (@id, @storyId, @text, @name, @fold, @addressKey, @at, 'pending')",
      ),
      list: db.prepare<[string, number], Record<string, unknown>>(`SELECT ${QUESTION_COLUMNS} FROM questions WHERE story_id = ? ORDER BY asked_at DESC, id DESC LIMIT ?`),
      get: db.prepare<[string, string], Record<string, unknown>>(`SELECT ${QUESTION_COLUMNS} FROM questions WHERE story_id = ? AND id = ?`),
      moderate: db.prepare("UPDATE questions SET status = ?, entry_id = coalesce(?, entry_id) WHERE story_id = ? AND id = ?"),
      answer: db.prepare<[string, string, string], Record<string, unknown>>(
        `UPDATE questions SET status = 'answered', entry_id = ? WHERE story_id = ? AND id = ? AND status <> 'answered' RETURNING ${QUESTION_COLUMNS}`,
      ),
      spend: db.prepare("INSERT OR IGNORE INTO question_nonces (nonce, expires_at) VALUES (?, ?)"),
      markSpammer: db.prepare("INSERT INTO question_spammers (address_key, until) VALUES (?, ?) ON CONFLICT (address_key) DO UPDATE SET until = max(until, excluded.until)"),
      isSpammer: db.prepare<[string, number], number>("SELECT count(*) FROM question_spammers WHERE address_key = ? AND until > ?").pluck(),
      closed: db.prepare<[string], number>("SELECT count(*) FROM question_closed WHERE story_id = ?").pluck(),
      close: db.prepare("INSERT OR IGNORE INTO question_closed (story_id) VALUES (?)"),
      open: db.prepare("DELETE FROM question_closed WHERE story_id = ?"),
      pruneQuestions: db.prepare("DELETE FROM questions WHERE asked_at < ?"),
      pruneNonces: db.prepare("DELETE FROM question_nonces WHERE expires_at <= ?"),
      pruneSpammers: db.prepare("DELETE FROM question_spammers WHERE until <= ?"),
    };
  }

  async secret(generate: () => string): Promise<string> {
    const stored = this.#sql.secret.get();
    if (stored) return stored;
    this.#sql.insertSecret.run(generate());
    return this.#sql.secret.get()!;
  }

  async ask(question: NewQuestion, maxPending: number, nonce?: SpentNonce): Promise<AskOutcome> {
    const sql = this.#sql;
    return this.#db
      .transaction((): AskOutcome => {
        if (nonce && sql.spend.run(nonce.nonce, nonce.expiresAt).changes === 0) return { kind: "spent" };
        if (sql.fold.run(question.storyId, question.fold).changes > 0) {
          return { kind: "folded", question: forDesk(toQuestion(sql.byFold.get(question.storyId, question.fold)!)) };
        }
        if (sql.pendingAll.get()! >= maxPending) return { kind: "full" };
        sql.insert.run({ ...question, name: question.name ?? null });
        return { kind: "stored", question: forDesk(toQuestion(sql.get.get(question.storyId, question.id)!)) };
      })
      .immediate();
  }

  async list(storyId: string, limit: number): Promise<Question[]> {
    return this.#sql.list.all(storyId, limit).map((row) => forDesk(toQuestion(row)));
  }

  async get(storyId: string, id: string) {
    const row = this.#sql.get.get(storyId, id);
    return row && toQuestion(row);
  }

  async moderate(storyId: string, id: string, moderation: Moderation): Promise<Question | undefined> {
    if (this.#sql.moderate.run(moderation.status, moderation.entryId ?? null, storyId, id).changes === 0) return undefined;
    return forDesk(toQuestion(this.#sql.get.get(storyId, id)!));
  }

  /** For a commit's rows (CommitRows.answerQuestion): inside the commit's write transaction. */
  answer(storyId: string, id: string, entryId: string): Question | undefined {
    const row = this.#sql.answer.get(entryId, storyId, id);
    return row && forDesk(toQuestion(row));
  }

  async pendingCount(storyId: string): Promise<number> {
    return this.#sql.pending.get(storyId)!;
  }

  async spendNonce(nonce: string, expiresAt: number): Promise<boolean> {
    return this.#sql.spend.run(nonce, expiresAt).changes > 0;
  }

  async markSpammer(addressKey: string, until: number): Promise<void> {
    this.#sql.markSpammer.run(addressKey, until);
  }

  async isSpammer(addressKey: string, now: number): Promise<boolean> {
    return this.#sql.isSpammer.get(addressKey, now)! > 0;
  }

  async isOpen(storyId: string): Promise<boolean> {
    return this.#sql.closed.get(storyId)! === 0;
  }

  async setOpen(storyId: string, open: boolean): Promise<void> {
    (open ? this.#sql.open : this.#sql.close).run(storyId);
  }

  async prune(askedBefore: number, now: number): Promise<number> {
    const sql = this.#sql;
    return this.#db.transaction(() => {
      sql.pruneNonces.run(now);
      sql.pruneSpammers.run(now);
      return sql.pruneQuestions.run(askedBefore).changes;
    })();
  }
}
