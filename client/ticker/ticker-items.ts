import { TICKER_TEXT_MAX } from "../../shared/page-data.js";
import { plainFirstLine } from "../../shared/plain-text.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { m, type Locale } from "../lib/i18n.js";

// What the crawl shows and says: pure, so it is tested without a browser.

/** Crawl speed: the duration of one loop is the width of one copy of the items at this speed. */
export const CRAWL_PX_PER_SECOND = 60;
/** Duration used by the server render and until the strip is measured in the browser. */
export const DEFAULT_CRAWL_SECONDS = 40;
/** The shortest loop, so a strip with one short item does not race. */
export const MIN_CRAWL_SECONDS = 8;

/**
 * What the ticker (and the embed's list) shows for an entry, as the text of its link: its headline,
 * or else the start of its body; never nothing (a body that is only an image or a rule has no words).
 */
export function tickerText(entry: Entry, ui: Locale = "en"): string {
  const headline = entry.headline?.trim();
  return headline || plainFirstLine(entry.body, TICKER_TEXT_MAX) || m.update_by({ name: entry.author.name }, { locale: ui });
}

/** Newest first by creation time, ties by id; code-point comparisons so server and browser agree. */
export function newestFirst(entries: Entry[]): Entry[] {
  return entries.toSorted((a, b) =>
    a.createdAt === b.createdAt ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.createdAt < b.createdAt ? 1 : -1,
  );
}

/** The latest entries, newest first (pinned does not matter in the crawl). */
export function latestEntries(snapshot: Snapshot, max: number): Entry[] {
  return newestFirst(Object.values(snapshot.entries)).slice(0, Math.max(0, Math.floor(max)));
}

/** The screen-reader announcement for entries added by a live update, in the page's interface language. */
export function announcementFor(added: Entry[], ui: Locale = "en"): string {
  if (added.length === 0) return "";
  if (added.length > 3) return m.announce_new_updates({ count: added.length, text: tickerText(added[0]!, ui) }, { locale: ui });
  return added.map((entry) => m.announce_new_update({ text: tickerText(entry, ui) }, { locale: ui })).join(". ");
}
