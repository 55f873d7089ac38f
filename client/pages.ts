import type { HistoryItem } from "../shared/api.js";
import type { FormOutcome } from "./reader/ask-question.js";
import type { HistoryFilter } from "../shared/history-filter.js";
import type { EmbedLayout } from "../shared/embed-snippet.js";
import type { FactTimeline } from "../shared/fact-timeline.js";
import type { Entry, Snapshot, StorySummary } from "../shared/story.js";

/**
 * The page's language (BCP 47), when a page names one: the server writes it as `<html lang>` and
 * the page's times are written in it; absent, both are DEFAULT_LANGUAGE (shared/language.ts).
 */
interface Language {
  lang?: string;
}

/**
 * The props of each page's root component: what the server renders with and embeds in the page,
 * and what the browser hydrates with, so both produce the same markup.
 */
export interface PageProps {
  /**
   * `snapshot` is the latest view (shared/views.ts) of `latestSize` entries; older ones come page by
   * page. The page data carries it without the entries' HTML, which the page reads back from its markup.
   */
  live: { snapshot: Snapshot; latestSize: number } & Language;
  /** `/stories/:id?page=N`, N ≥ 2: older entries for readers without JavaScript and for crawlers; not hydrated. */
  older: { story: Omit<Snapshot, "entries">; entries: Entry[]; page: number; pages: number } & Language;
  /**
   * `/stories/:id/updates/:entryId`: one update (`entry`), or, once removed, `entry: null` and when
   * (`removedAt`); `back` is its place among the reader's pages; `story` without its entries.
   */
  update: { story: Omit<Snapshot, "entries">; entryId: string; entry: Entry | null; removedAt?: string; back: string } & Language;
  /** `snapshot`: the strip's copy of the latest view (shared/page-data.ts `stripView`). */
  ticker: { snapshot: Snapshot; maxItems?: number; linkBase?: string } & Language;
  /**
   * One page of the history (50 versions, server/pages/history-pages.ts) for `filter`; `older`: the
   * `before` of the next page, if any; `paged`: not the newest page. `figures`: each key figure's
   * values over time (shared/fact-timeline.ts), on the newest unfiltered page only. `authors`: the
   * author filter's choices; `update`: the update `filter.entryId` names, as the page calls it.
   */
  history: {
    /** The story's head: its entries stay out of the page (a 2,000-entry story's are a megabyte). */
    story: Omit<Snapshot, "entries">;
    versions: HistoryItem[];
    figures?: FactTimeline[];
    older?: number;
    filter?: HistoryFilter;
    authors?: string[];
    update?: { id: string; label?: string | undefined; removed: boolean };
    paged?: boolean;
  } & Language;
  list: { stories: StorySummary[]; notice?: string } & Language;
  /**
   * `POST /stories/:id/questions`, the "Ask the newsroom" form without JavaScript: `confirm` (or
   * `wait`, sent too soon) reads the reader's `words` back with the `ticket` that lets them in; the
   * others say what became of the question. Rendered on the server only, never cached.
   */
  ask: {
    story: Pick<Snapshot, "id" | "title">;
    outcome: "confirm" | FormOutcome;
    words?: { text: string; name?: string | undefined };
    ticket?: string;
  } & Language;
  /** `snapshot`: the strip's copy of the latest view, or for the list the view, its shown bodies' HTML read back from the markup. */
  /** `questions`: the embedding site opted in to "Ask the newsroom" (embed.js `data-questions`). */
  embed: { snapshot: Snapshot; layout: EmbedLayout; maxItems: number; linkBase: string; questions?: boolean } & Language;
  /** The desk renders in the browser only (no crawlers, and it needs the signed-in user). */
  editor: Record<string, never>;
}

export type PageName = keyof PageProps;

/** The id of the `<script type="application/json">` element that carries a page's props. */
export const PROPS_ELEMENT_ID = "page-props";

/** Reads the props the server embedded, so hydration needs no second fetch. */
export function embeddedProps<P extends PageName>(): PageProps[P] {
  return JSON.parse(document.getElementById(PROPS_ELEMENT_ID)!.textContent!) as PageProps[P];
}
