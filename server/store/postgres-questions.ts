import type pg from "pg";
import type { Question } from "../../shared/questions.js";
import { forDesk, QUESTION_COLUMNS, toQuestion } from "./question-sql.js";
import type { AskOutcome, Moderation, NewQuestion, QuestionStore, SpentNonce } from "./question-store.js";

/**
 * Questions in PostgreSQL (migration 14), shared by every node. The same question asked on two
 * nodes at once folds through the unique (story, fold) key; the pending cap is read just before,
 * so nodes racing at the cap may pass it by a question or two each, never by a flood.
 */
export class PostgresQuestions implements QuestionStore {
  constructor(private readonly pool: pg.Pool) {}

  async secret(generate: () => string): Promise<string> {
    const read = () => this.pool.query<{ secret: string }>("SELECT secret FROM question_secret WHERE id = 1");
    const { rows: [stored] } = await read();
    if (stored) return stored.secret;
    await this.pool.query("INSERT INTO question_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING", [generate()]);
    return (await read()).rows[0]!.secret;
  }

  async ask(question: NewQuestion, maxPending: number, nonce?: SpentNonce): Promise<AskOutcome> {
    if (nonce && !(await this.spendNonce(nonce.nonce, nonce.expiresAt))) return { kind: "spent" };
    const folded = await this.pool.query(`UPDATE questions SET asks = asks + 1 WHERE story_id = $1 AND fold = $2 RETURNING ${QUESTION_COLUMNS}`, [question.storyId, question.fold]);
    if (folded.rows[0]) return { kind: "folded", question: forDesk(toQuestion(folded.rows[0])) };
    const { rows: [count] } = await this.pool.query<{ count: string }>("SELECT count(*) FROM questions WHERE status = 'pending'");
    if (Number(count!.count) >= maxPending) return { kind: "full" };
    const { rows: [row] } = await this.pool.query(
      `INSERT INTO questions (id, story_id, text, name, fold, address_key, asked_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')
       ON CONFLICT (story_id, fold) DO UPDATE SET asks = questions.asks + 1
       RETURNING ${QUESTION_COLUMNS}, (xmax = 0) AS inserted`,
      [question.id, question.storyId, question.text, question.name ?? null, question.fold, question.addressKey, question.at],
    );
    return { kind: row.inserted ? "stored" : "folded", question: forDesk(toQuestion(row)) };
  }

  async list(storyId: string, limit: number): Promise<Question[]> {
    const { rows } = await this.pool.query(`SELECT ${QUESTION_COLUMNS} FROM questions WHERE story_id = $1 ORDER BY asked_at DESC, id DESC LIMIT $2`, [storyId, limit]);
    return rows.map((row) => forDesk(toQuestion(row)));
  }

  async get(storyId: string, id: string) {
    const { rows: [row] } = await this.pool.query(`SELECT ${QUESTION_COLUMNS} FROM questions WHERE story_id = $1 AND id = $2`, [storyId, id]);
    return row && toQuestion(row);
  }

  async moderate(storyId: string, id: string, moderation: Moderation): Promise<Question | undefined> {
    const { rows: [row] } = await this.pool.query(
      `UPDATE questions SET status = $1, entry_id = coalesce($2, entry_id) WHERE story_id = $3 AND id = $4 RETURNING ${QUESTION_COLUMNS}`,
      [moderation.status, moderation.entryId ?? null, storyId, id],
    );
    return row && forDesk(toQuestion(row));
  }

  /** For a commit's rows (CommitRows.answerQuestion): on the commit's connection, in its transaction. */
  async answer(client: pg.PoolClient, storyId: string, id: string, entryId: string): Promise<Question | undefined> {
    const { rows: [row] } = await client.query(
      `UPDATE questions SET status = 'answered', entry_id = $1 WHERE story_id = $2 AND id = $3 AND status <> 'answered' RETURNING ${QUESTION_COLUMNS}`,
      [entryId, storyId, id],
    );
    return row && forDesk(toQuestion(row));
  }

  async pendingCount(storyId: string): Promise<number> {
    const { rows: [row] } = await this.pool.query<{ count: string }>("SELECT count(*) FROM questions WHERE story_id = $1 AND status = 'pending'", [storyId]);
    return Number(row!.count);
  }

  async spendNonce(nonce: string, expiresAt: number): Promise<boolean> {
    const { rowCount } = await this.pool.query("INSERT INTO question_nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING", [nonce, expiresAt]);
    return (rowCount ?? 0) > 0;
  }

  async markSpammer(addressKey: string, until: number): Promise<void> {
    await this.pool.query(
      "INSERT INTO question_spammers (address_key, until) VALUES ($1, $2) ON CONFLICT (address_key) DO UPDATE SET until = greatest(question_spammers.until, excluded.until)",
      [addressKey, until],
    );
  }

  async isSpammer(addressKey: string, now: number): Promise<boolean> {
    const { rowCount } = await this.pool.query("SELECT 1 FROM question_spammers WHERE address_key = $1 AND until > $2", [addressKey, now]);
    return (rowCount ?? 0) > 0;
  }

  async isOpen(storyId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("SELECT 1 FROM question_closed WHERE story_id = $1", [storyId]);
    return (rowCount ?? 0) === 0;
  }

  async setOpen(storyId: string, open: boolean): Promise<void> {
    await this.pool.query(open ? "DELETE FROM question_closed WHERE story_id = $1" : "INSERT INTO question_closed (story_id) VALUES ($1) ON CONFLICT DO NOTHING", [storyId]);
  }

  async prune(askedBefore: number, now: number): Promise<number> {
    await this.pool.query("DELETE FROM question_nonces WHERE expires_at <= $1", [now]);
    await this.pool.query("DELETE FROM question_spammers WHERE until <= $1", [now]);
    const { rowCount } = await this.pool.query("DELETE FROM questions WHERE asked_at < $1", [askedBefore]);
    return rowCount ?? 0;
  }
}
