import { interfaceLocale, m } from "../../client/lib/i18n.js";
import type { Entry } from "../../shared/story.js";
import { escapeHtml } from "../pages/document.js";

/** The few words feeds and JSON-LD add to a story's own, in its language's catalog (English where there is none). */
export interface FeedWords {
  /** An entry with neither headline nor text (photos alone): its title by kind. */
  untitled: (kind: Entry["kind"]) => string;
  removedTitle: string;
  removedHtml: string;
  removedComment: string;
  /** What the key figures are introduced with in a description: "Key figures". */
  keyFigures: string;
}

export function feedWords(language: string): FeedWords {
  const locale = { locale: interfaceLocale(language) };
  return {
    untitled: (kind) => (kind === "correction" ? m.badge_correction({}, locale) : m.feed_untitled_update({}, locale)),
    removedTitle: m.feed_removed_title({}, locale),
    removedHtml: `<p>${escapeHtml(m.feed_removed_text({}, locale))}</p>`,
    removedComment: m.feed_removed_comment({}, locale),
    keyFigures: m.key_figures({}, locale),
  };
}
