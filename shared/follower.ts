import { applyPatch } from "./patch.js";
import type { PatchMessage, SnapshotMessage } from "./protocol.js";
import type { Snapshot } from "./story.js";

/** What a follower did with a message. `gap`: it is behind and must re-subscribe with its version. */
export type FollowResult = "applied" | "stale" | "gap";

/**
 * A client's copy of one story, kept level with the server from `snapshot` and `patch` messages.
 * It only ever holds states the server had: a patch applies only onto the exact version it starts
 * from, older ones are ignored, and a newer one is a gap to recover by re-subscribing.
 */
export class StoryFollower {
  #snapshot: Snapshot | undefined;

  constructor(readonly storyId: string, initial?: Snapshot) {
    this.#snapshot = initial;
  }

  get snapshot(): Snapshot | undefined {
    return this.#snapshot;
  }

  get version(): number | undefined {
    return this.#snapshot?.version;
  }

  onSnapshot(message: SnapshotMessage): FollowResult {
    if (this.#snapshot && message.snapshot.version < this.#snapshot.version) return "stale";
    this.#snapshot = message.snapshot;
    return "applied";
  }

  onPatch(message: PatchMessage): FollowResult {
    const current = this.#snapshot;
    if (!current) return "stale"; // the snapshot that follows subscribe is still on its way
    if (message.to <= current.version) return "stale";
    if (message.from !== current.version) return "gap";
    this.#snapshot = applyPatch(current, message.ops);
    return "applied";
  }
}
