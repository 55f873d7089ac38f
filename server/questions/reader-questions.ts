import type { Challenge } from "altcha-lib";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Logger } from "pino";
import { DomainError, rateLimited } from "../../shared/error-codes.js";
import { answeredQuestion, questionFold, type AnsweredQuestion, type AskedWords, type AskQuestionBody, type Question } from "../../shared/questions.js";
import { newId, newSecret } from "../auth/secrets.js";
import type { QuestionNews } from "../live/desk/desk-channel.js";
import type { MakeLimiter } from "../rate-limiters.js";
import type { Store } from "../store/store.js";
import { addressKey } from "./address-key.js";
import { FORM_WAIT_MS, FormTicket } from "./form-ticket.js";
import { ProofOfWork, WORK } from "./proof-of-work.js";
import type { QuestionSettings } from "./question-settings.js";


/** Challenges one address may fetch in ten minutes: a reader asks a few questions; a robot wants many. */
const CHALLENGES_PER_ADDRESS = 30;
/** How long "mark as spam" keeps an address's key from asking again. */
export const SPAMMER_MS = 24 * 60 * 60_000;
/** How many of a story's questions the desk is sent, newest first. */
export const QUESTIONS_LISTED = 200;
/** What asking costs a reader: the proof of work's range, the form's wait (tests and the bench make them small). */
export interface QuestionCost {
  work?: { min: number; max: number };
  formWaitMs?: number;
}

/**
 * Questions one story takes a minute through the form without JavaScript: its ticket costs a script
 * a wait, not CPU, so it gets a smaller share of the story's budget; readers with script keep theirs.
 */
export const FORM_QUESTIONS_PER_STORY_PER_MINUTE = 30;
/** Posts of that form (either step) one story answers a minute: each answer is a rendered page. */
export const FORM_POSTS_PER_STORY_PER_MINUTE = 120;
/** How often questions past their retention (and expired nonces and spammers' keys) are deleted. */
const PRUNE_EVERY_MS = 60 * 60_000;

const consumeOr429 = async (limiter: RateLimiterAbstract, key: string, message: string) => {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    throw rateLimited(rejection.msBeforeNext, message);
  }
};

/**
 * Readers' questions (issue 36) between the routes and the store: every check a stranger's question
 * passes before anything is stored (limits per address and per story, the proof of work spent once,
 * the honeypot, spammers' keys, the story's switch, the queue's cap), and the desk told of each
 * change. The secret that signs challenges and keys addresses is the store's, so every node agrees.
 */
export class ReaderQuestions {
  readonly #secret: Promise<{ secret: string; pow: ProofOfWork; tickets: FormTicket }>;
  readonly #perAddress: RateLimiterAbstract;
  readonly #challenges: RateLimiterAbstract;
  readonly #perStory: RateLimiterAbstract;
  readonly #formPerStory: RateLimiterAbstract;
  readonly #formPosts: RateLimiterAbstract;
  #pruning: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly news: QuestionNews,
    private readonly settings: QuestionSettings,
    makeLimiter: MakeLimiter,
    private readonly log: Logger,
    cost: QuestionCost = {},
  ) {
    const { work = WORK, formWaitMs = FORM_WAIT_MS } = cost;
    this.#secret = store.questions.secret(() => newSecret()).then((secret) => ({ secret, pow: new ProofOfWork(secret, work), tickets: new FormTicket(secret, formWaitMs) }));
    // Keep a failed read from being an unhandled rejection; each use awaits it and fails alike.
    this.#secret.catch(() => {});
    this.#perAddress = makeLimiter("questions-address", { points: settings.perAddress, duration: 600 });
    this.#challenges = makeLimiter("questions-challenges", { points: CHALLENGES_PER_ADDRESS, duration: 600 });
    this.#perStory = makeLimiter("questions-story", { points: settings.perStoryPerMinute, duration: 60 });
    this.#formPerStory = makeLimiter("questions-form-story", { points: Math.min(FORM_QUESTIONS_PER_STORY_PER_MINUTE, settings.perStoryPerMinute), duration: 60 });
    this.#formPosts = makeLimiter("questions-form-posts", { points: FORM_POSTS_PER_STORY_PER_MINUTE, duration: 60 });
  }

  /** The keyed hash that stands for an address (address-key.ts). */
  async keyOf(address: string): Promise<string> {
    return addressKey((await this.#secret).secret, address);
  }

  /** Counted before a question's body is read: a flood from one address costs a hash and a counter. */
  async admitAsker(key: string): Promise<void> {
    await consumeOr429(this.#perAddress, key, `Too many questions from this address: at most ${this.settings.perAddress} in ten minutes.`);
  }

  /** A challenge to solve before asking about `storyId`, and whether the story takes questions now. */
  async challenge(storyId: string, key: string): Promise<{ open: boolean; challenge?: Challenge }> {
    await consumeOr429(this.#challenges, key, `Too many challenges for this address: at most ${CHALLENGES_PER_ADDRESS} in ten minutes.`);
    if (!(await this.store.questions.isOpen(storyId))) return { open: false };
    return { open: true, challenge: await (await this.#secret).pow.challenge(storyId) };
  }

  /** Takes a reader's question, or throws the DomainError that says why not; nothing is stored unless every check passed. */
  async ask(storyId: string, key: string, body: AskQuestionBody): Promise<void> {
    await this.#screen(key, body.website);
    const proof = await (await this.#secret).pow.verify(body.proof, storyId);
    if ("refused" in proof) {
      const why = { expired: "has expired: ask again", invalid: "is not solved", other_story: "was made for another story" }[proof.refused];
      throw new DomainError("challenge_failed", `The anti-flood check ${why}.`);
    }
    await this.#take(storyId, key, body, proof);
  }

  /**
   * Each post of the form without JavaScript, either step, counted as a challenge is (and against
   * the story's FORM_POSTS_PER_STORY_PER_MINUTE) before its body is read: its answer is a page
   * rendered on the server, which a flood, from one address or many, must not get for free.
   */
  async admitForm(storyId: string, key: string): Promise<void> {
    await consumeOr429(this.#challenges, key, `Too many questions begun from this address: at most ${CHALLENGES_PER_ADDRESS} in ten minutes.`);
    await consumeOr429(this.#formPosts, storyId, "This story's question form is busy right now; try again in a minute.");
  }

  /**
   * The first step of the form without JavaScript: the ticket its confirmation page carries for
   * these words; `open: false` when the story takes no questions now.
   */
  async formTicket(storyId: string, key: string, words: AskedWords): Promise<{ open: boolean; ticket?: string }> {
    await this.#screen(key, words.website);
    if (!(await this.store.questions.isOpen(storyId))) return { open: false };
    return { open: true, ticket: (await this.#secret).tickets.issue(storyId, words) };
  }

  /** The second step: the question sent with its ticket, which is spent as a proof is. */
  async askWithTicket(storyId: string, key: string, words: AskedWords, ticket: string): Promise<void> {
    await this.#screen(key, words.website);
    const spent = (await this.#secret).tickets.verify(ticket, storyId, words);
    if ("refused" in spent) {
      const why = { expired: "has expired: ask again", invalid: "does not match this question", too_soon: "was sent too fast: wait a moment and send again" }[spent.refused];
      throw new DomainError("challenge_failed", `The form's check ${why}.`, { reason: spent.refused });
    }
    await consumeOr429(this.#formPerStory, storyId, "This story is getting many questions right now; try again in a minute.");
    await this.#take(storyId, key, words, spent);
  }

  list(storyId: string): Promise<Question[]> {
    return this.store.questions.list(storyId, QUESTIONS_LISTED);
  }

  async state(storyId: string): Promise<{ open: boolean; pending: number }> {
    const [open, pending] = await Promise.all([this.store.questions.isOpen(storyId), this.store.questions.pendingCount(storyId)]);
    return { open, pending };
  }

  async setOpen(storyId: string, open: boolean): Promise<{ open: boolean; pending: number }> {
    await this.store.questions.setOpen(storyId, open);
    const state = await this.state(storyId);
    this.news.state({ storyId, ...state });
    return state;
  }

  /** Dismisses a question or marks it spam (whose address then asks no more for SPAMMER_MS). */
  async moderate(storyId: string, id: string, status: "dismissed" | "spam"): Promise<Question> {
    const asked = await this.store.questions.get(storyId, id);
    if (!asked) throw new DomainError("question_not_found", "No such question on this story.");
    if (status === "spam") await this.store.questions.markSpammer(asked.addressKey, Date.now() + SPAMMER_MS);
    const question = (await this.store.questions.moderate(storyId, id, { status }))!;
    await this.#tell(storyId, question);
    return question;
  }

  /** The question an entry (or a draft) about to be written answers, as the entry will quote it. */
  async toAnswer(storyId: string, id: string): Promise<AnsweredQuestion> {
    const asked = await this.store.questions.get(storyId, id);
    if (!asked) throw new DomainError("question_not_found", "No such question on this story.");
    if (asked.status === "answered") throw new DomainError("question_answered", "This question has been answered already.");
    return answeredQuestion(asked);
  }

  /**
   * After the commit of an answer, which marked its question answered in the same transaction
   * (Committed.answered): the desk is told. Nothing when the commit marked none (answered by
   * someone else meanwhile, or deleted).
   */
  async answered(storyId: string, question: Question | undefined): Promise<void> {
    if (question) await this.#tell(storyId, question);
  }

  /** Starts deleting questions past their retention, now and every hour. */
  start(): void {
    const prune = () => {
      const now = Date.now();
      this.store.questions.prune(now - this.settings.retentionMs, now).then(
        (deleted) => deleted > 0 && this.log.info({ deleted }, "deleted readers' questions past their retention"),
        (error: unknown) => this.log.error({ err: error }, "readers' questions could not be pruned"),
      );
    };
    prune();
    this.#pruning = setInterval(prune, PRUNE_EVERY_MS).unref();
  }

  stop(): void {
    clearInterval(this.#pruning);
  }

  /** The checks that need no proof: the honeypot, and an address marked as a spammer's. */
  async #screen(key: string, website: string | undefined): Promise<void> {
    if (website) throw new DomainError("question_refused", "This question was not taken.");
    if (await this.store.questions.isSpammer(key, Date.now())) throw new DomainError("question_refused", "Questions from this address are not taken for now.");
  }

  /** What every question passes once its proof or ticket is good: the story's switch and budget, the queue's cap, the nonce spent once. */
  async #take(storyId: string, key: string, words: AskedWords, spent: { nonce: string; expiresAt: number }): Promise<void> {
    if (!(await this.store.questions.isOpen(storyId))) throw new DomainError("questions_closed", "The newsroom is not taking questions on this story at the moment.");
    await consumeOr429(this.#perStory, storyId, "This story is getting many questions right now; try again in a minute.");
    const outcome = await this.store.questions.ask(
      { id: newId("q_"), storyId, text: words.text, ...(words.name ? { name: words.name } : {}), fold: questionFold(words.text), addressKey: key, at: Date.now() },
      this.settings.maxPending,
      spent,
    );
    if (outcome.kind === "spent") throw new DomainError("challenge_spent", "This anti-flood check was already used; ask again.");
    if (outcome.kind === "full") throw rateLimited(60_000, "The newsroom has more questions waiting than it can read; try again later.");
    await this.#tell(storyId, outcome.question);
  }

  async #tell(storyId: string, question: Question): Promise<void> {
    this.news.question({ storyId, question });
    this.news.state({ storyId, ...(await this.state(storyId)) });
  }
}
