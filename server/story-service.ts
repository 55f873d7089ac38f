import { slugify, slugVariant } from "../shared/ids.js";
import type { Operation } from "../shared/operations.js";
import { ReducerError } from "../shared/reducer.js";
import type { Author } from "../shared/story.js";
import type { StoryHub } from "./live/story-hub.js";
import type { CommitRequest, Committed, Store } from "./store/store.js";

export interface WriteOptions {
  author: Author;
  expectedVersion?: number;
  idempotency?: CommitRequest["idempotency"];
  /** Timestamp of the change; the server's clock unless replaying a recorded sequence. */
  at?: string;
}

/** Slug variants tried when a story is created without an id and its title's slug is taken. */
const SLUG_ATTEMPTS = 20;

/**
 * The one path for every change to a story: stamp the operation, commit it durably, then broadcast
 * it. HTTP routes, the seed and the demo replay all write through here.
 */
export class StoryService {
  constructor(
    private readonly store: Store,
    private readonly hub: StoryHub,
  ) {}

  async apply(storyId: string, operation: Operation, options: WriteOptions): Promise<Committed> {
    const committed = await this.store.commit({
      storyId,
      operation: { ...operation, at: options.at ?? new Date().toISOString(), author: options.author },
      ...(options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion }),
      ...(options.idempotency ? { idempotency: options.idempotency } : {}),
    });
    this.hub.publish(committed);
    return committed;
  }

  /** Creates a story under `id`, or under a free slug of its title when no id is given. */
  async createStory(
    fields: { id?: string; title: string; summary?: string },
    options: WriteOptions,
  ): Promise<Committed> {
    const base = fields.id ?? slugify(fields.title);
    const attempts = fields.id ? 1 : SLUG_ATTEMPTS;
    for (let n = 1; ; n++) {
      const storyId = n === 1 ? base : slugVariant(base, n);
      try {
        return await this.apply(storyId, { type: "create_story", storyId, title: fields.title, summary: fields.summary ?? "" }, options);
      } catch (error) {
        if (!(error instanceof ReducerError && error.code === "story_exists") || n >= attempts) throw error;
      }
    }
  }
}
