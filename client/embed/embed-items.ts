import { plainFirstLine } from "../../shared/plain-text.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { latestEntries, tickerText } from "../ticker/ticker-items.js";

/**
 * Whether the embed's list shows an entry's body under its link. Not when the link already says
 * all of it: an entry without a headline is linked by its first line (as in the ticker), and a
 * one-line body with nothing the plain text drops (links, images) would only say it twice.
 */
export function bodyAddsToLink(entry: Entry): boolean {
  if (entry.headline?.trim()) return true;
  const body = entry.body.trim();
  return body.includes("\n") || body.includes("](") || plainFirstLine(body, Infinity) !== tickerText(entry);
}

/** The entries whose body the embed's list shows (EmbedList.svelte), HTML and all. */
export function listedWithBody(snapshot: Snapshot, maxItems: number): Entry[] {
  return latestEntries(snapshot, maxItems).filter(bodyAddsToLink);
}
