import { diffSnapshots } from "../../shared/patch.js";
import type { PatchMessage } from "../../shared/protocol.js";
import type { Snapshot } from "../../shared/story.js";
import type { ViewName } from "../../shared/view-names.js";
import { encodeOnce } from "./shared-encoding.js";

/** Projects a snapshot to a view (server/story-views.ts: once per version and view). */
export interface ViewProjector {
  view(snapshot: Snapshot, view: ViewName): Snapshot;
}

/** One version (or a span of them) taken for a story's readers: the full patch and the states at both ends. */
export interface TakenStep {
  from: Snapshot;
  to: Snapshot;
  /** The full view's patch, marked to be serialized once. */
  message: PatchMessage;
}

/**
 * The versions the fan-out took for a story's readers, as each view's patches (DESIGN.md §4): the
 * full view's are the steps' own; another view's are diffs of the two ends' projections, worked out
 * and encoded on first asking, once per version and view however many rooms they go to, and never
 * for a view nobody here reads.
 */
export class TakenVersions {
  readonly #byView = new Map<ViewName, PatchMessage[]>();

  constructor(
    readonly steps: readonly TakenStep[],
    private readonly views: ViewProjector,
  ) {}

  get length(): number {
    return this.steps.length;
  }

  of(view: ViewName): PatchMessage[] {
    let messages = this.#byView.get(view);
    if (!messages) {
      messages =
        view === "full"
          ? this.steps.map((step) => step.message)
          : this.steps.map(({ from, to, message }) =>
              encodeOnce({ storyId: message.storyId, from: message.from, to: message.to, ops: diffSnapshots(this.views.view(from, view), this.views.view(to, view)) }),
            );
      this.#byView.set(view, messages);
    }
    return messages;
  }
}
