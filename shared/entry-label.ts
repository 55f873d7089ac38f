import { plainFirstLine } from "./plain-text.js";
import type { Entry } from "./story.js";

/** How long an entry's label in the history may be. */
const LABEL_CHARS = 60;

/**
 * How the history names an entry: by its headline, or else the first line of its body as plain
 * text, cut to 60 characters; never by its id, which readers do not know. "" when it has neither.
 */
export function entryLabel(entry: Pick<Entry, "headline" | "body">): string {
  const headline = entry.headline?.trim();
  if (headline === undefined || headline === "") return plainFirstLine(entry.body, LABEL_CHARS);
  return headline.length > LABEL_CHARS ? `${headline.slice(0, LABEL_CHARS - 1).trimEnd()}…` : headline;
}
