import { randomSlugVariant, slugify, slugVariant } from "../shared/ids.js";
import type { Operation } from "../shared/operations.js";
import { ReducerError } from "../shared/reducer.js";
import type { Author } from "../shared/story.js";
import type { CommitLimits, CommitRequest, Committed, DraftToConsume, PublishOutcome, Store } from "./store/store.js";

export interface WriteOptions {
  author: Author;
  expectedVersion?: number;
  idempotency?: CommitRequest["idempotency"];
  /** Timestamp of the change; the server's clock unless replaying a recorded sequence. */
  at?: string;
  /** The draft this write publishes, at the revision it carries (removed atomically with it). */
  consumeDraft?: DraftToConsume;
  /** The reader's question the added entry answers (marked answered atomically with it). */
  answersQuestion?: string;
}

/** Numbered slug variants (-2 … -20) tried when a story is created without an id and its title's slug is taken. */
const SLUG_ATTEMPTS = 20;
/** Then a few random ones (-k3f9x2), so a busy slug such as "story" never makes a creation fail. */
const RANDOM_SLUG_ATTEMPTS = 5;

/** The ids tried, in order, for a story created without one: its slug, numbered variants, then random ones. */
function* slugCandidates(base: string): Generator<string> {
  yield base;
  for (let n = 2; n <= SLUG_ATTEMPTS; n++) yield slugVariant(base, n);
  for (let n = 0; n < RANDOM_SLUG_ATTEMPTS; n++) yield randomSlugVariant(base);
}

/**
 * Told of every durable commit made on this node, in commit order, once the store has acknowledged
 * it (a no-op write included, with `changed: false`). The live hub is one (live/story-hub.ts); what
 * must happen with the version atomically (an outbox, a key) belongs in the store's transaction instead.
 */
export interface CommitListener {
  committed(committed: Committed): void;
}

/**
 * The one path for every change to a story: stamp the operation, commit it durably within the
 * instance's limits, then tell the commit listeners (the live hub broadcasts it). HTTP routes, the
 * scheduled publisher, the seed and the demo replay all write through here.
 */
export class StoryService {
  constructor(
    private readonly store: Store,
    private readonly listeners: readonly CommitListener[],
    private readonly limits: CommitLimits,
    /** A listener that throws must not turn an acknowledged write into an error: it is reported here. */
    private readonly listenerFailed: (error: unknown, committed: Committed) => void,
  ) {}

  async apply(storyId: string, operation: Operation, options: WriteOptions): Promise<Committed> {
    const committed = await this.store.commit({
      storyId,
      operation: { ...operation, at: options.at ?? new Date().toISOString(), author: options.author },
      ...(options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion }),
      ...(options.idempotency ? { idempotency: options.idempotency } : {}),
      ...(options.consumeDraft ? { consumeDraft: options.consumeDraft } : {}),
      ...(options.answersQuestion ? { answersQuestion: options.answersQuestion } : {}),
      limits: this.limits,
    });
    this.#notify(committed);
    return committed;
  }

  /**
   * Publishes the earliest scheduled entry that is due, if any (claimed, committed and marked in
   * one store transaction), and broadcasts its version like any other.
   */
  async publishDue(): Promise<PublishOutcome | undefined> {
    const outcome = await this.store.scheduled.publishNext(new Date().toISOString(), this.limits);
    if (outcome?.kind === "published") this.#notify(outcome.committed);
    return outcome;
  }

  #notify(committed: Committed): void {
    for (const listener of this.listeners) {
      try {
        listener.committed(committed);
      } catch (error) {
        this.listenerFailed(error, committed);
      }
    }
  }

  /** The earliest time a scheduled entry is due, across the whole store. */
  nextDue(): Promise<string | undefined> {
    return this.store.scheduled.nextDue();
  }

  /** Creates a story under `id`, or under a free slug of its title when no id is given. */
  async createStory(
    fields: { id?: string; title: string; summary?: string; language?: string },
    options: WriteOptions,
  ): Promise<Committed> {
    const candidates = fields.id !== undefined ? [fields.id] : slugCandidates(slugify(fields.title));
    let lastError: unknown;
    for (const storyId of candidates) {
      try {
        return await this.apply(storyId, { type: "create_story", storyId, title: fields.title, summary: fields.summary ?? "", ...(fields.language ? { language: fields.language } : {}) }, options);
      } catch (error) {
        if (!(error instanceof ReducerError && error.code === "story_exists")) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }
}
