import type { PushStore } from "../store/push-store.js";

/** How many alert subscriptions are kept at most, per story and in all (MAX_PUSH_SUBSCRIPTIONS…). */
export interface SubscriptionCaps {
  perStory: number;
  total: number;
}

/** Counts are read again at most this often: counting a million rows for every subscribe would be the attack's lever. */
const RECOUNT_MS = 2000;

/**
 * Whether a story (or the store) is full of alert subscriptions, so that addresses without number
 * (each under its own rate limit) cannot fill the disk or make one alert endless. Counts are this
 * node's view, read again after RECOUNT_MS and kept up to date with its own new subscriptions: the
 * caps can be passed only by what all nodes take within that time.
 */
export class SubscriptionLimit {
  readonly #stories = new Map<string, { count: number; at: number }>();
  #total: { count: number; at: number } | undefined;

  constructor(
    private readonly store: PushStore,
    private readonly caps: SubscriptionCaps,
    private readonly now: () => number = Date.now,
  ) {}

  /** "story" or "store" when that is full (only subscriptions already stored may be renewed), else undefined. */
  async full(storyId: string): Promise<"story" | "store" | undefined> {
    const now = this.now();
    const total = this.#total && now - this.#total.at < RECOUNT_MS ? this.#total : (this.#total = { count: await this.store.subscriptionTotal(), at: now });
    if (total.count >= this.caps.total) return "store";
    let story = this.#stories.get(storyId);
    if (!story || now - story.at >= RECOUNT_MS) {
      // Forget stale counts first: the map holds only stories subscribed to lately.
      for (const [id, counted] of this.#stories) if (now - counted.at >= RECOUNT_MS) this.#stories.delete(id);
      story = { count: await this.store.subscriberCount(storyId), at: now };
      this.#stories.set(storyId, story);
    }
    return story.count >= this.caps.perStory ? "story" : undefined;
  }

  /** A new subscription was stored here: counted at once, not only at the next recount. */
  added(storyId: string): void {
    if (this.#total) this.#total.count++;
    const story = this.#stories.get(storyId);
    if (story) story.count++;
  }
}
