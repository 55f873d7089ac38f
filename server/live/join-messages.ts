import { diffSnapshots } from "../../shared/patch.js";
import type { PatchMessage, SnapshotMessage } from "../../shared/protocol.js";
import { Lru } from "../../shared/lru.js";
import type { Snapshot } from "../../shared/story.js";
import { encodeOnce } from "./shared-encoding.js";

/** Catch-ups kept per version, by the version readers come from (a cached page's, a reconnect's). */
const CATCH_UPS = 16;

/**
 * What a joining reader of one version and one view is sent: the view's snapshot, or one patch of
 * the view from the version it holds when that is smaller. Both are worked out once per version
 * and view, however many readers join or catch up (many readers of a cached page come from the
 * same version, and the diff of a big story is not free), and marked to be serialized once.
 */
export class JoinMessages {
  #snapshot?: { message: SnapshotMessage; jsonLength: number };
  readonly #catchUps = new Lru<number, PatchMessage | null>(CATCH_UPS);
  readonly #view: Snapshot;

  /** `project` takes a version to the view (the identity for the full one). */
  constructor(
    readonly of: Snapshot,
    private readonly project: (snapshot: Snapshot) => Snapshot = (snapshot) => snapshot,
  ) {
    this.#view = project(of);
  }

  /** The snapshot message, and the length of its JSON (what a catch-up patch must beat). */
  snapshot(): { message: SnapshotMessage; jsonLength: number } {
    this.#snapshot ??= { message: encodeOnce({ storyId: this.of.id, snapshot: this.#view }), jsonLength: JSON.stringify(this.#view).length };
    return this.#snapshot;
  }

  /** The catch-up from `from` if already worked out: the patch, null for "the snapshot is smaller", undefined for unknown. */
  known(from: number): PatchMessage | null | undefined {
    return this.#catchUps.get(from);
  }

  /** The one patch from `from` (`base` is the snapshot there), or null when the snapshot is smaller or `base` is missing. */
  catchUp(from: number, base: Snapshot | undefined): PatchMessage | null {
    const known = this.#catchUps.get(from);
    if (known !== undefined) return known;
    if (!base || base.version !== from) return null;
    const ops = diffSnapshots(this.project(base), this.#view);
    const smaller = JSON.stringify(ops).length < this.snapshot().jsonLength;
    return this.#catchUps.set(from, smaller ? encodeOnce({ storyId: this.of.id, from, to: this.of.version, ops }) : null);
  }
}
