import { m, type Locale } from "../../lib/i18n.js";
import { ApiFailure } from "../api.js";

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
export function asDraftConflict(error: unknown, locale: Locale = "en"): unknown {
  const message = conflictMessage(error, { locale });
  if (message === undefined) return error;
  const changed = error instanceof ApiFailure && (error.code === "precondition_failed" || error.code === "draft_changed");
  return new DraftConflict(message, changed, { cause: error });
}

function conflictMessage(error: unknown, options: { locale: Locale }): string | undefined {
  if (!(error instanceof ApiFailure)) return undefined;
  switch (error.code) {
    case "precondition_failed":
    case "draft_changed":
      return m.desk_draft_changed_since_opened({}, options);
    case "draft_published":
    case "draft_discarded": {
      const by = (error.details as { by?: { name?: unknown } } | undefined)?.by?.name;
      const published = error.code === "draft_published";
      if (typeof by === "string") return published ? m.desk_draft_already_published_by({ by }, options) : m.desk_draft_already_discarded_by({ by }, options);
      return published ? m.desk_draft_already_published({}, options) : m.desk_draft_already_discarded({}, options);
    }
    case "draft_not_found":
      return m.desk_draft_gone({}, options);
    default:
      return undefined;
  }
}
