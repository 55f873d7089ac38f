import type { Request } from "express";
import { VersionParam } from "../../shared/api.js";
import { FACT_ID_PATTERN } from "../../shared/facts.js";
import { ENTRY_ID_PATTERN, STORY_ID_PATTERN } from "../../shared/story.js";
import { VIEW_NAMES, type ViewName } from "../../shared/view-names.js";
import type { ErrorCode } from "../../shared/error-codes.js";
import { ApiError } from "./errors.js";

export function storyIdOf(req: Request): string {
  const id = req.params.id;
  if (typeof id !== "string" || !STORY_ID_PATTERN.test(id)) {
    throw new ApiError(400, "invalid_story_id", "A story id is lowercase letters, digits and dashes (^[a-z0-9][a-z0-9-]{0,63}$).");
  }
  return id;
}

export function entryIdOf(req: Request): string {
  const id = req.params.entryId;
  if (typeof id !== "string" || !ENTRY_ID_PATTERN.test(id)) {
    throw new ApiError(404, "entry_not_found", "No such entry.");
  }
  return id;
}

/**
 * A figure's id from the path. Writers choose figure ids, so a malformed one on a PUT is bad input
 * (400 naming factId); on a DELETE no such figure can exist (404, like an entry).
 */
export function factIdOf(req: Request, malformed: "invalid" | "not_found"): string {
  const id = req.params.factId;
  if (typeof id === "string" && FACT_ID_PATTERN.test(id)) return id;
  if (malformed === "not_found") throw new ApiError(404, "fact_not_found", "No such figure.");
  throw new ApiError(400, "validation_failed", "Invalid figure id.", {
    issues: [{ path: "factId", message: "must look like f_injured: f_ then lowercase letters, digits and _ (at most 34 characters)" }],
  });
}

/** An optional positive integer query parameter such as `?version=12`; anything else is a 400. */
export function versionQuery(req: Request, name: string, code: ErrorCode = "invalid_version"): number | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  const parsed = VersionParam.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, code, `?${name} must be a positive integer.`);
  return parsed.data;
}

/** `?view=full|latest` (DESIGN.md §4); absent is the full view, anything else a 400. */
export function viewQuery(req: Request): ViewName {
  const raw = req.query.view;
  if (raw === undefined) return "full";
  if (!VIEW_NAMES.includes(raw as ViewName)) throw new ApiError(400, "invalid_view", `?view must be one of ${VIEW_NAMES.join(", ")}.`);
  return raw as ViewName;
}

/** `?before=<entryId>` of an entries page; absent starts at the first entry, a malformed id is a 400. */
export function beforeEntryQuery(req: Request): string | undefined {
  const raw = req.query.before;
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !ENTRY_ID_PATTERN.test(raw)) throw new ApiError(400, "invalid_entry_id", "?before must be the id of an entry, like e_7Gh2.");
  return raw;
}

/** `If-Match: "12"` → 12. Absent → undefined; `*` matches any existing story. */
export function expectedVersionOf(req: Request): number | undefined {
  return ifMatchNumber(req, "a story version");
}

/** `If-Match: "3"` on a draft → 3 (its revision). Absent → undefined; `*` matches any open draft. */
export function expectedRevisionOf(req: Request): number | undefined {
  return ifMatchNumber(req, "a draft revision");
}

/** `If-Match: "2"` on a scheduled entry → 2 (its revision). Absent → undefined; `*` matches any waiting entry. */
export function expectedScheduledRevisionOf(req: Request): number | undefined {
  return ifMatchNumber(req, "a scheduled entry's revision");
}

/** The positive integer an `If-Match` names (our ETags are numbers in quotes); anything else is a 400. */
function ifMatchNumber(req: Request, what: string): number | undefined {
  const header = req.get("if-match");
  if (header === undefined || header.trim() === "*") return undefined;
  const match = /^\s*(?:W\/)?"([1-9][0-9]{0,14})"\s*$/.exec(header);
  if (!match) throw new ApiError(400, "bad_request", `If-Match must be ${what} in quotes, e.g. If-Match: "12".`);
  return Number(match[1]);
}

/** A named path segment as a string (Express types allow arrays for wildcard segments). */
export function pathParam(req: Request, name: string): string {
  return String(req.params[name] ?? "");
}
