import { ApiFailure } from "./api.js";

/**
 * Someone else got to a draft first: edited it since the desk showed it, or published or discarded
 * it. Its message says which, in one sentence, for the editor.
 */
export class DraftConflict extends Error {
  override readonly name = "DraftConflict";
  constructor(
    message: string,
    /** True if the draft is still there, changed; false if it was published or discarded. */
    readonly changed: boolean,
    options: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The failure of a save, publish or discard of a draft, as a DraftConflict when it is one; else unchanged. */
export function asDraftConflict(error: unknown): unknown {
  const message = conflictMessage(error);
  if (message === undefined) return error;
  const changed = error instanceof ApiFailure && (error.code === "precondition_failed" || error.code === "draft_changed");
  return new DraftConflict(message, changed, { cause: error });
}

function conflictMessage(error: unknown): string | undefined {
  if (!(error instanceof ApiFailure)) return undefined;
  switch (error.code) {
    case "precondition_failed":
    case "draft_changed":
      return "Someone changed this draft after you opened it.";
    case "draft_published":
    case "draft_discarded": {
      const by = (error.details as { by?: { name?: unknown } } | undefined)?.by?.name;
      const what = error.code === "draft_published" ? "already published" : "discarded";
      return typeof by === "string" ? `This draft was ${what} by ${by}.` : `This draft was ${what}.`;
    }
    case "draft_not_found":
      return "This draft is no longer there: someone published or discarded it.";
    default:
      return undefined;
  }
}
