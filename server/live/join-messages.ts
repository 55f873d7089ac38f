import { diffSnapshots } from "../../shared/patch.js";
import type { PatchMessage, SnapshotMessage } from "../../shared/protocol.js";
import { Lru } from "../../shared/lru.js";
import type { Snapshot } from "../../shared/story.js";
import { encodeOnce } from "./shared-encoding.js";

/**
 * How far behind a reader may be and still be sent a patch: a cached page's version, a reconnect
 * after a tunnel (twenty missed writes is a few minutes of a busy night). One farther behind gets
 * the shared snapshot, whatever its size: every `from` needs its own rebuild of that version and
 * its own diff, so were any `from` answered, readers each naming another old version (an attack
 * does) would each cost a diff on the main thread. Within the window each `from` is diffed once
 * per version and view while its patch is kept (CATCH_UP_BUDGET).
 */
export const CATCH_UP_VERSIONS = 32;

/**
 * The catch-ups kept per version and view weigh at most this many times the snapshot's JSON (the
 * least recently used go first): a patch from far back is nearly a snapshot, and an attacker asking
 * each story from every version of the window would otherwise have the node keep the window's
 * worth of near-snapshots of every story. Readers come back from a few recent versions, whose
 * patches are small, so theirs stay.
 */
const CATCH_UP_BUDGET = 2;

/**
 * What a joining reader of one version and one view is sent: the view's snapshot, or one patch of
 * the view from the version it holds when that is smaller. Both are worked out once per version
 * and view, however many readers join or catch up (many readers of a cached page come from the
 * same version, and the diff of a big story is not free), and marked to be serialized once.
 */
export class JoinMessages {
  #snapshot?: { message: SnapshotMessage; jsonLength: number };
  /** By the version they come from, with the length of their JSON; made with the first. */
  #catchUps?: Lru<number, { patch: PatchMessage | null; jsonLength: number }>;
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
    return this.#catchUps?.get(from)?.patch;
  }

  /** Whether a reader holding `from` may be sent a patch (it is behind, within CATCH_UP_VERSIONS). */
  reachable(from: number): boolean {
    return from < this.of.version && this.of.version - from <= CATCH_UP_VERSIONS;
  }

  /** The one patch from `from` (`base` is the snapshot there), or null when the snapshot is smaller, `from` too far behind or `base` missing. */
  catchUp(from: number, base: Snapshot | undefined): PatchMessage | null {
    if (!this.reachable(from)) return null;
    const known = this.known(from);
    if (known !== undefined) return known;
    if (!base || base.version !== from) return null;
    const ops = diffSnapshots(this.project(base), this.#view);
    const jsonLength = JSON.stringify(ops).length;
    const snapshotLength = this.snapshot().jsonLength;
    // A null ("the snapshot is smaller") costs next to nothing to keep.
    this.#catchUps ??= new Lru(CATCH_UP_BUDGET * snapshotLength + CATCH_UP_VERSIONS, (catchUp) => (catchUp.patch ? catchUp.jsonLength : 0) + 1);
    const patch = jsonLength < snapshotLength ? encodeOnce({ storyId: this.of.id, from, to: this.of.version, ops }) : null;
    return this.#catchUps.set(from, { patch, jsonLength }).patch;
  }
}
