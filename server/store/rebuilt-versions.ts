import { Lru } from "../../shared/lru.js";
import { applyPatchesInPlace, type PatchOp } from "../../shared/patch.js";
import type { Snapshot } from "../../shared/story.js";
import { parseStoredSnapshot } from "./story-pieces.js";

/**
 * How much JSON (in characters) of rebuilt old versions a store keeps parsed. A version is rebuilt
 * from its checkpoint and fewer than CHECKPOINT_INTERVAL patches; readers that subscribe with the
 * version their cached page holds, or fetch `?version=N`, mostly ask for the same few.
 */
const REBUILT_JSON_BUDGET = 32 * 1024 * 1024;

/**
 * Old versions rebuilt from a checkpoint and a run of the log, and the last few of them kept. The
 * checkpoint is parsed once and the run applied to it in place (one copy, not one per patch). The
 * snapshots handed out are shared between callers, like the stores' latest ones: never mutated.
 */
export class RebuiltVersions {
  readonly #cache = new Lru<string, { snapshot: Snapshot; jsonLength: number }>(REBUILT_JSON_BUDGET, (item) => item.jsonLength);
  /** Rebuilds under way: readers asking for the same version at once share one. */
  readonly #pending = new Map<string, Promise<Snapshot | undefined>>();

  /**
   * The snapshot at `version`, from the cache or rebuilt. `read` returns the newest checkpoint at or
   * before it (as JSON) and the ops of the versions after it up to `version` (as JSON, in order).
   */
  async get(
    storyId: string,
    version: number,
    read: () => Promise<{ checkpoint: string; ops: string[] } | undefined>,
  ): Promise<Snapshot | undefined> {
    const key = `${storyId}@${version}`;
    const cached = this.#cache.get(key);
    if (cached) return cached.snapshot;
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#rebuild(key, read).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #rebuild(key: string, read: () => Promise<{ checkpoint: string; ops: string[] } | undefined>): Promise<Snapshot | undefined> {
    const stored = await read();
    if (!stored) return undefined;
    const snapshot = applyPatchesInPlace(
      parseStoredSnapshot(stored.checkpoint),
      stored.ops.map((ops) => JSON.parse(ops) as PatchOp[]),
    );
    this.#cache.set(key, { snapshot, jsonLength: stored.checkpoint.length + stored.ops.reduce((sum, ops) => sum + ops.length, 0) });
    return snapshot;
  }
}
