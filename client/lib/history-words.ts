import { valueWithSource, type Fact } from "../../shared/facts.js";
import type { HistoryChange } from "../../shared/history-changes.js";
import { isolate, m, type Locale } from "./i18n.js";
import { localNumber } from "./local-number.js";

/**
 * A version's structured changes (shared/history-changes.ts) as sentences in a catalog's language:
 * the history page and the desk say what happened in the story's or the editor's language, never
 * the English `summary` stored for old clients. The story's own words (labels, values, titles) are
 * isolated, so an English headline keeps its order inside an Arabic sentence and the other way round.
 */
export function historyChangeText(change: HistoryChange, ui: Locale, lang: string = ui): string {
  const locale = { locale: ui };
  const entry = (label: string | undefined) => (label ? m.history_change_entry({ label: isolate(label) }, locale) : m.change_an_entry({}, locale));
  const figure = (label: string | undefined) => (label ? isolate(label) : m.history_change_figure_unnamed({}, locale));
  switch (change.type) {
    case "story_created":
      return m.history_change_created({ title: isolate(change.title) }, locale);
    case "title_changed":
      return m.history_change_title({ title: isolate(change.title) }, locale);
    case "summary_changed":
      return m.history_change_summary({}, locale);
    case "status_changed":
      return change.status === "ended" ? m.history_change_ended({}, locale) : m.history_change_resumed({}, locale);
    case "language_changed":
      return m.history_change_language({ language: isolate(change.language) }, locale);
    case "entry_added":
      return change.pinned
        ? m.history_change_added_key_event({ entry: entry(change.label) }, locale)
        : m.history_change_added({ entry: entry(change.label) }, locale);
    case "entries_added":
      return m.history_change_added_many({ count: localNumber(change.count, lang) }, locale);
    case "entry_edited":
      return change.kind === "correction"
        ? m.history_change_corrected({ entry: entry(change.label) }, locale)
        : m.history_change_edited({ entry: entry(change.label) }, locale);
    case "entry_pinned":
      return change.pinned ? m.history_change_pinned({ entry: entry(change.label) }, locale) : m.history_change_unpinned({ entry: entry(change.label) }, locale);
    case "entry_removed":
      return m.history_change_removed({ entry: entry(change.label) }, locale);
    case "figure_set": {
      if (change.value === undefined) return m.history_change_figure_edited({ label: figure(change.label) }, locale);
      const value = isolate(valueWithSource({ value: change.value, ...(change.source ? { source: change.source } : {}) }));
      return change.added
        ? m.history_change_figure_added({ label: figure(change.label), value }, locale)
        : m.history_change_figure_changed({ label: figure(change.label), value }, locale);
    }
    case "figure_moved":
      return m.history_change_figure_moved({ label: figure(change.label), order: localNumber(change.order, lang) }, locale);
    case "figure_removed":
      return m.history_change_figure_removed({ label: figure(change.label) }, locale);
  }
}

/**
 * A key figure's change between two snapshots, as the history page's panel shows it: added
 * (no `before`), removed (no `after`), changed from one value to another, renamed or moved.
 */
export function figureChangeText(before: Fact | undefined, after: Fact | undefined, ui: Locale, lang: string = ui): string {
  const locale = { locale: ui };
  const shown = (fact: Fact) => isolate(valueWithSource(fact));
  if (!after) return m.history_change_figure_removed({ label: isolate(before!.label) }, locale);
  if (!before) return m.history_change_figure_added({ label: isolate(after.label), value: shown(after) }, locale);
  if (before.value !== after.value || before.source !== after.source) {
    return m.history_change_figure_from_to({ label: isolate(after.label), before: shown(before), after: shown(after) }, locale);
  }
  if (before.label !== after.label) return m.history_change_figure_edited({ label: isolate(after.label) }, locale);
  return m.history_change_figure_moved({ label: isolate(after.label), order: localNumber(after.order, lang) }, locale);
}

/** A version's changes as one sentence list ("Added “Sirens” and Removed “All clear”"), for places with room for one line. */
export function historyLine(changes: readonly HistoryChange[], ui: Locale, lang: string = ui): string {
  return new Intl.ListFormat(ui, { type: "conjunction" }).format(changes.map((change) => historyChangeText(change, ui, lang)));
}
