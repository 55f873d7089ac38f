import { Lru } from "../../shared/lru.js";
import { applyPatchesInPlace, type PatchOp } from "../../shared/patch.js";
import type { Snapshot } from "../../shared/story.js";
import { parseStoredSnapshot } from "./story-pieces.js";

/**
 * How much JSON (in characters; parsed, a snapshot takes about 1.2× that in the heap) of rebuilt
 * old versions a store keeps parsed. A version is rebuilt from its checkpoint and fewer than
 * patches that weigh about a snapshot (store.ts `checkpointDue`); what it is rebuilt for is then kept on its own (a catch-up patch
 * per version in live/join-messages.ts, a version's body in http/version-bodies.ts), so the parsed
 * copy is needed only while readers asking for the same version arrive together. At 32 MB, then
 * 8 MB, a soak (readers coming back a version or two behind, on a story growing to thousands of
 * entries) filled it with whole copies of the story for a quarter of an hour, one more every
 * reconnect, which read as memory rising with every update (issue 28): the heap grew by the
 * budget and then levelled. Two megabytes keep the last rebuild of a story of a thousand entries
 * or so; a bigger story's rebuild is shared only while it is under way (`#pending`).
 */
export const REBUILT_JSON_BUDGET = 2 * 1024 * 1024;

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

  /** Bytes of JSON (ASCII, mostly: characters) the snapshots kept were rebuilt from. */
  get bytes(): number {
    return this.#cache.weight;
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
