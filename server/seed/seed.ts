import { ReducerError } from "../../shared/reducer.js";
import type { Author } from "../../shared/story.js";
import type { Store } from "../store/store.js";
import type { StoryService } from "../story-service.js";
import { demoStory } from "./kyiv-strikes.js";

const DESK: Author = { name: "Kyiv live desk" };

export interface ReplayOptions {
  /** Pause between updates; 0 writes them all at once with their original spacing as timestamps. */
  intervalMs: number;
  /** Called after each update, e.g. to log progress. */
  onUpdate?: (index: number, total: number) => void;
  signal?: AbortSignal;
}

/** Seeds the demo story on a store that has none, so a first start shows something real. */
export async function seedIfEmpty(store: Store, service: StoryService): Promise<boolean> {
  if ((await store.listStories()).length > 0) return false;
  try {
    await replayDemoStory(service, { intervalMs: 0 });
    return true;
  } catch (error) {
    // Another node starting at the same moment seeded it first.
    if (error instanceof ReducerError && error.code === "story_exists") return false;
    throw error;
  }
}

/**
 * Writes the demo story through the normal write path, as the desk posted it through the night.
 * Instant seeding back-dates the updates by their minute offsets; a paced replay stamps them now.
 */
export async function replayDemoStory(service: StoryService, options: ReplayOptions): Promise<void> {
  const { id, title, summary, updates, endSummary } = demoStory;
  const lastMinute = updates.at(-1)?.minute ?? 0;
  const start = Date.now() - (lastMinute + 1) * 60_000;
  const stamp = (minute: number) =>
    options.intervalMs === 0 ? { author: DESK, at: new Date(start + minute * 60_000).toISOString() } : { author: DESK };

  await service.createStory({ id, title, summary }, stamp(0));
  for (const [index, update] of updates.entries()) {
    if (options.signal?.aborted) return;
    if (options.intervalMs > 0) await sleep(options.intervalMs, options.signal);
    const { minute, edits, figures = [], ...fields } = update;
    const operation =
      edits === undefined
        ? { type: "add_entry" as const, entryId: seedEntryId(index), kind: "update" as const, pinned: false, ...fields }
        : { type: "edit_entry" as const, entryId: seedEntryId(edits), ...fields };
    await service.apply(id, operation, stamp(minute));
    // Each figure is a version of its own, as the desk's figures panel writes them.
    for (const { id: factId, ...figure } of figures) await service.apply(id, { type: "set_fact", factId, ...figure }, stamp(minute));
    options.onUpdate?.(index + 1, updates.length);
  }
  if (options.intervalMs > 0) {
    await sleep(options.intervalMs, options.signal);
    await service.apply(id, { type: "update_story", status: "ended", summary: endSummary }, stamp(lastMinute));
  }
}

/** Seed entry ids are stable, so links into the demo story survive a fresh install. */
function seedEntryId(index: number): string {
  return `e_seed${String(index).padStart(2, "0")}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}
