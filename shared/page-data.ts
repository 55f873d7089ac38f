import { plainFirstLine } from "./plain-text.js";
import type { Entry, Snapshot } from "./story.js";

/** How long a strip item's text may be when it comes from the body (headlines are shown whole). */
export const TICKER_TEXT_MAX = 140;

/**
 * What a page embeds for the browser to hydrate with is the latest view, less what the page does
 * not need twice (issue 32: a long story's ticker and embed stay under 40 KB, its live page under
 * 150 KB). The browser then follows the view's patches on this lighter copy: every key stays, so
 * each `replace` and `remove` of a patch still finds its path, and only values the page never reads
 * (or reads back from its own markup) are left out.
 */

/**
 * The strip's copy of the view (the ticker, the embed's strip): no entry's HTML (a strip shows
 * none), and each body cut to what the strip's text is made from, its first line as plain text.
 * Where that text would read differently taken as Markdown again, the body stays whole, so an
 * item says exactly what it said with the whole body, also once an edit takes its headline away.
 */
export function stripView(view: Snapshot): Snapshot {
  return withEntries(view, (entry) => ({ ...entry, body: stripBody(entry.body), html: "" }));
}

/**
 * The view without the HTML of the entries the page renders (`html: ""`): the page holds that HTML
 * already, in its markup, and the browser reads it back before hydrating (client/lib/rendered-html.ts).
 */
export function withoutRenderedHtml(view: Snapshot): Snapshot {
  return withEntries(view, (entry) => ({ ...entry, html: "" }));
}

/**
 * The embed list's copy of the view: the HTML of the bodies it shows left out (`rendered`: read back
 * from its markup), and of the entries it does not list (the view's others, which come into the
 * list only when a listed one is removed) the body and HTML both. An entry still without HTML once
 * the page has read its markup back is one to fetch before showing its body
 * (client/embed/trimmed-entries.svelte.ts). With entries of ~450 characters those forty entries
 * were two thirds of the widget's page.
 */
export function listView(view: Snapshot, listed: ReadonlySet<string>, rendered: ReadonlySet<string>): Snapshot {
  return withEntries(view, (entry) => (!listed.has(entry.id) ? { ...entry, body: "", html: "" } : rendered.has(entry.id) ? { ...entry, html: "" } : entry));
}

/** Whether an entry of a page's copy lacks what `listView` left out (every entry has some HTML). */
export const isTrimmed = (entry: Entry) => entry.html === "";

function stripBody(body: string): string {
  const text = plainFirstLine(body, TICKER_TEXT_MAX);
  return plainFirstLine(text, TICKER_TEXT_MAX) === text ? text : body;
}

function withEntries(view: Snapshot, project: (entry: Entry) => Entry): Snapshot {
  const entries: Record<string, Entry> = {};
  for (const [id, entry] of Object.entries(view.entries)) entries[id] = project(entry);
  return { ...view, entries };
}
