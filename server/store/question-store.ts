import type { Question, QuestionStatus } from "../../shared/questions.js";

/** A reader's question as the route hands it to the store, checked and with its address already hashed. */
export interface NewQuestion {
  id: string;
  storyId: string;
  text: string;
  name?: string;
  /** `questionFold(text)`: the same question asked twice is stored once (`asks` counts it). */
  fold: string;
  /** A keyed hash of the asker's address (never the address itself). */
  addressKey: string;
  at: number;
}

/** What became of an ask: stored anew, folded into the same question asked before, refused as over the cap, or its proof already spent. */
export type AskOutcome = { kind: "stored" | "folded"; question: Question } | { kind: "full" } | { kind: "spent" };

/** A proof of work's nonce, spent with the question it let in, and kept until its challenge expires. */
export interface SpentNonce {
  nonce: string;
  expiresAt: number;
}

/** A moderation: the question's new status, and the entry that answered it. */
export interface Moderation {
  status: Exclude<QuestionStatus, "pending">;
  entryId?: string;
}

/**
 * Readers' questions (issue 36): never part of a story's versions. Besides the questions, the
 * store keeps what must hold across every node: the proofs of work already spent (each nonce
 * once, until it expires), the addresses marked as spam (as keyed hashes, for a while), which
 * stories take no questions, and the secret that signs challenges and hashes addresses.
 */
export interface QuestionStore {
  /** The stored secret, or `generate`'s stored now if there was none (two nodes starting at once agree on one). */
  secret(generate: () => string): Promise<string>;
  /**
   * Spends the proof's nonce (`spent`, nothing stored, if it was spent before, on any node), then
   * stores the question, or folds it into the story's question with the same fold; `full` (the
   * question not stored) when `maxPending` questions are already pending over all stories. On
   * SQLite one transaction, so one write to the disk a question.
   */
  ask(question: NewQuestion, maxPending: number, nonce?: SpentNonce): Promise<AskOutcome>;
  /** A story's questions, newest first. */
  list(storyId: string, limit: number): Promise<Question[]>;
  get(storyId: string, id: string): Promise<(Question & { addressKey: string }) | undefined>;
  /** Sets a question's status; undefined if the story has no such question. */
  moderate(storyId: string, id: string, moderation: Moderation): Promise<Question | undefined>;
  pendingCount(storyId: string): Promise<number>;
  /** Spends a proof of work's nonce: true the first time, false for a replay (on any node) until `expiresAt`. */
  spendNonce(nonce: string, expiresAt: number): Promise<boolean>;
  /** Remembers an address's key as a spammer's until `until` (ms). */
  markSpammer(addressKey: string, until: number): Promise<void>;
  isSpammer(addressKey: string, now: number): Promise<boolean>;
  /** Whether a story takes questions (the default), and the switch that pauses them. */
  isOpen(storyId: string): Promise<boolean>;
  setOpen(storyId: string, open: boolean): Promise<void>;
  /** Deletes questions asked before `askedBefore`, and nonces and spammers' keys expired at `now`; returns the questions deleted. */
  prune(askedBefore: number, now: number): Promise<number>;
}
