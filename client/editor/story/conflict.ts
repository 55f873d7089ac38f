import { m, type Locale } from "../../lib/i18n.js";
import { factsInOrder, sameFigure, type Fact } from "../../../shared/facts.js";
import type { Entry, EntryKind, Snapshot } from "../../../shared/story.js";
import { mergeText } from "../../../shared/three-way-merge.js";
import { sameMedia, type DeskMedia } from "../media/media-list.js";

/**
 * What a desk write touches, so the desk can tell whether someone else's change got in its way:
 * story fields, one entry, or nothing existing (a new entry, which only cares whether the story
 * is still live).
 */
export type StoryField = "title" | "summary" | "status" | "language";
export type WriteTarget =
  | { type: "story"; fields: StoryField[] }
  | { type: "entry"; entryId: string }
  | { type: "new-entry" }
  /** A key figure, new or existing: someone else's change to its label, value or source, or its removal, is in the way. */
  | { type: "fact"; factId: string };

/** The parts of an entry an editor writes. */
export interface EntryText {
  headline: string;
  body: string;
  kind: EntryKind;
  pinned: boolean;
  /** Photos and embeds, in order. */
  media: DeskMedia[];
}

/** The text of an entry or a draft, as the fields edit it ("" for no headline). */
export function entryText(entry: Pick<Entry, "headline" | "body" | "kind" | "pinned" | "media">): EntryText {
  return { headline: entry.headline ?? "", body: entry.body, kind: entry.kind, pinned: entry.pinned, media: [...(entry.media ?? [])] };
}

/**
 * Both editors' changes to one entry, when they do not overlap: text merged word by word, kind and
 * key-event flag and media taken from whoever changed them. Undefined when both changed the same thing.
 */
export function mergeEntry(base: EntryText, mine: EntryText, theirs: EntryText): EntryText | undefined {
  const pick = <T>(b: T, m: T, t: T, same = (x: T, y: T) => x === y): { value: T } | undefined =>
    same(m, t) || same(t, b) ? { value: m } : same(m, b) ? { value: t } : undefined;
  const headline = mergeText(base.headline, mine.headline, theirs.headline);
  const body = mergeText(base.body, mine.body, theirs.body);
  const kind = pick(base.kind, mine.kind, theirs.kind);
  const pinned = pick(base.pinned, mine.pinned, theirs.pinned);
  const media = pick(base.media, mine.media, theirs.media, sameMedia);
  if (headline === undefined || body === undefined || !kind || !pinned || !media) return undefined;
  return { headline, body, kind: kind.value, pinned: pinned.value, media: media.value };
}

function sameEntry(a: Entry, b: Entry): boolean {
  return a.revision === b.revision && a.body === b.body && (a.headline ?? "") === (b.headline ?? "") && a.kind === b.kind && a.pinned === b.pinned && sameMedia(a.media ?? [], b.media ?? []);
}

/** Whether what `target` touches is the same in `from` and `to`. */
export function targetUnchanged(target: WriteTarget, from: Snapshot, to: Snapshot): boolean {
  switch (target.type) {
    case "story":
      return target.fields.every((field) => from[field] === to[field]);
    case "entry": {
      const a = from.entries[target.entryId];
      const b = to.entries[target.entryId];
      return a !== undefined && b !== undefined && sameEntry(a, b);
    }
    case "new-entry":
      return from.status === to.status;
    case "fact": {
      const a = from.facts?.[target.factId];
      const b = to.facts?.[target.factId];
      return a === undefined ? b === undefined : b !== undefined && sameFigure(a, b);
    }
  }
}

/**
 * The version to send as If-Match. The version the change was based on, unless the live view has
 * moved on without touching what the change writes: then nothing of anyone else's can be
 * overwritten and the live version is sent (so a colleague's new update elsewhere in the story is
 * not a conflict). Whatever the server has beyond `live` still answers 412.
 */
export function ifMatchVersion(target: WriteTarget, base: Snapshot, live: Snapshot | undefined): number {
  if (live && live.id === base.id && live.version > base.version && targetUnchanged(target, base, live)) return live.version;
  return base.version;
}

export interface FieldChange {
  field: StoryField;
  before: string;
  now: string;
}

export interface ConflictReport {
  /** The story's version now. */
  version: number;
  /** Whether someone else changed what this write touches. */
  targetChanged: boolean;
  /** For entry writes: the entry as the editor started from it, and as it is now (undefined: removed). */
  entry?: { before: EntryText | undefined; now: EntryText | undefined };
  /** For figure writes: the figure as the editor started from it, and as it is now (undefined: none). */
  figure?: { before: Fact | undefined; now: Fact | undefined };
  /** For story writes: the target fields someone else changed. */
  fields?: FieldChange[];
  /** Everything else that changed between the two versions, one short sentence each. */
  others: string[];
}

const STORY_FIELDS: StoryField[] = ["title", "summary", "status", "language"];
const MAX_LISTED = 5;

/** A short plain label for an entry: its headline, or the start of its body. */
export function entryLabel(entry: Pick<Entry, "headline" | "body">): string {
  const text = entry.headline?.trim() || entry.body.replace(/\s+/g, " ").trim();
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

const FIELD_CHANGED = { title: m.desk_story_title_changed, summary: m.desk_story_summary_changed, language: m.desk_story_language_changed };

/** What changed between the version a write was based on and the latest one, centred on the write's target; said in the desk's language `locale`. */
export function describeConflict(target: WriteTarget, base: Snapshot, latest: Snapshot, locale: Locale = "en"): ConflictReport {
  const options = { locale };
  const report: ConflictReport = { version: latest.version, targetChanged: !targetUnchanged(target, base, latest), others: [] };
  const targetFields = target.type === "story" ? target.fields : [];
  const targetEntry = target.type === "entry" ? target.entryId : undefined;
  const targetFact = target.type === "fact" ? target.factId : undefined;

  if (target.type === "story") {
    report.fields = target.fields
      .filter((field) => base[field] !== latest[field])
      .map((field) => ({ field, before: base[field], now: latest[field] }));
  }
  if (targetEntry !== undefined) {
    const before = base.entries[targetEntry];
    const now = latest.entries[targetEntry];
    report.entry = { before: before && entryText(before), now: now && entryText(now) };
  }

  if (targetFact !== undefined) report.figure = { before: base.facts?.[targetFact], now: latest.facts?.[targetFact] };

  for (const field of STORY_FIELDS) {
    if (targetFields.includes(field) || base[field] === latest[field]) continue;
    if (field !== "status") report.others.push(FIELD_CHANGED[field]({}, options));
    else report.others.push(latest.status === "ended" ? m.desk_story_marked_ended({}, options) : m.desk_story_marked_live({}, options));
  }

  const added: string[] = [];
  const edited: string[] = [];
  const removed: string[] = [];
  for (const [id, entry] of Object.entries(latest.entries)) {
    if (id === targetEntry) continue;
    const old = base.entries[id];
    if (!old) added.push(entryLabel(entry));
    else if (!sameEntry(old, entry)) edited.push(entryLabel(entry));
  }
  for (const [id, entry] of Object.entries(base.entries)) {
    if (id !== targetEntry && !latest.entries[id]) removed.push(entryLabel(entry));
  }
  const list = (labels: string[]) => {
    const shown = labels.slice(0, MAX_LISTED).map((label) => `“${label}”`);
    return labels.length > MAX_LISTED ? m.desk_list_and_more({ list: shown.join(", "), count: labels.length - MAX_LISTED }, options) : shown.join(", ");
  };
  if (added.length) report.others.push(m.desk_updates_added({ count: added.length, list: list(added) }, options));
  if (edited.length) report.others.push(m.desk_updates_edited({ count: edited.length, list: list(edited) }, options));
  if (removed.length) report.others.push(m.desk_updates_removed({ count: removed.length, list: list(removed) }, options));
  const figures = [...factsInOrder(latest.facts), ...factsInOrder(base.facts).filter((fact) => !latest.facts?.[fact.id])]
    .filter((fact) => fact.id !== targetFact && !targetUnchanged({ type: "fact", factId: fact.id }, base, latest))
    .map((fact) => fact.label);
  if (figures.length) report.others.push(m.desk_figures_changed({ count: figures.length, list: list(figures) }, options));
  return report;
}
