import { diffWords } from "diff";
import { changedFacts, factsInOrder, type Fact } from "../../shared/facts.js";
import { DEFAULT_LANGUAGE } from "../../shared/language.js";
import type { Entry, EntryKind, Snapshot, StoryStatus } from "../../shared/story.js";
import { mediaChanges, type MediaChange } from "../lib/media/media-links.js";

/**
 * What changed from one snapshot of a story to the next, for the public history page. Pure: no
 * DOM, no fetching, so the server, the browser and tests compute the same answer.
 */

/** One run of a word-level diff: unchanged text, or text the new version added or removed. */
export interface WordPart {
  text: string;
  added?: boolean;
  removed?: boolean;
}

export type StoryField = "title" | "summary" | "status" | "language";

export type Change =
  /** `before` is undefined when the story was created in this version. */
  | { kind: "story"; field: "title" | "summary" | "language"; before: string | undefined; after: string }
  | { kind: "story"; field: "status"; before: StoryStatus | undefined; after: StoryStatus }
  /** A key figure added (no `before`), changed, moved, or removed (no `after`). */
  | { kind: "figure"; before: Fact | undefined; after: Fact | undefined }
  /** The figures' order changed: their labels in the new order. */
  | { kind: "figures-reordered"; labels: string[] }
  | { kind: "added"; entry: Entry }
  | { kind: "removed"; entry: Entry }
  | {
      kind: "edited";
      entryId: string;
      /** Only when the headline changed; a missing headline counts as "". */
      headline: WordPart[] | undefined;
      /** Only when the Markdown body changed. */
      body: WordPart[] | undefined;
      kindChange?: { before: EntryKind; after: EntryKind };
      pinChange?: { before: boolean; after: boolean };
      /** Only when its photos or embeds changed: items added, removed or re-captioned, or a new order. */
      media?: { changes: MediaChange[]; reordered: boolean };
    };

export type EditedChange = Extract<Change, { kind: "edited" }>;
export type StoryChange = Extract<Change, { kind: "story" }>;

/** Word-level diff of two texts; flags appear only when true. */
export function wordDiff(before: string, after: string): WordPart[] {
  return diffWords(before, after).map((part) => {
    const word: WordPart = { text: part.value };
    if (part.added) word.added = true;
    if (part.removed) word.removed = true;
    return word;
  });
}

/**
 * The changes that take `before` to `after`: story fields first, then key figures (in the box's
 * order, removed ones last), then added, edited and removed entries (each group newest entry first). With no `before` (version 1) the story was created:
 * its title, non-empty summary and status are reported with `before: undefined` and every entry
 * counts as added.
 */
export function changesBetween(before: Snapshot | undefined, after: Snapshot): Change[] {
  const story: Change[] = [];
  if (before === undefined || before.title !== after.title) {
    story.push({ kind: "story", field: "title", before: before?.title, after: after.title });
  }
  if (before === undefined ? after.summary !== "" : before.summary !== after.summary) {
    story.push({ kind: "story", field: "summary", before: before?.summary, after: after.summary });
  }
  if (before === undefined || before.status !== after.status) {
    story.push({ kind: "story", field: "status", before: before?.status, after: after.status });
  }
  // A story created in its default language says nothing of it; one created in another, or moved to one, does.
  if (before === undefined ? after.language !== DEFAULT_LANGUAGE : before.language !== after.language) {
    story.push({ kind: "story", field: "language", before: before?.language, after: after.language });
  }

  const previous = before?.entries ?? {};
  const added: Change[] = [];
  const edited: Change[] = [];
  for (const entry of newestFirst(Object.values(after.entries))) {
    const old = previous[entry.id];
    if (old === undefined) {
      added.push({ kind: "added", entry });
      continue;
    }
    const edit = entryEdit(old, entry);
    if (edit) edited.push(edit);
  }
  const removed: Change[] = newestFirst(Object.values(previous).filter((entry) => after.entries[entry.id] === undefined)).map(
    (entry) => ({ kind: "removed", entry }),
  );

  return [...story, ...figureChanges(before?.facts, after.facts), ...added, ...edited, ...removed];
}

/**
 * Figures added, changed in label, value or source, and removed; and their new order when the
 * figures both versions have stand in another order (not when they only closed up around one).
 */
function figureChanges(before: Record<string, Fact> | undefined, after: Record<string, Fact> | undefined): Change[] {
  const changes: Change[] = [];
  const now = factsInOrder(after);
  for (const { fact, before: old } of changedFacts(before, after)) changes.push({ kind: "figure", before: old, after: fact });
  for (const old of factsInOrder(before)) if (!after?.[old.id]) changes.push({ kind: "figure", before: old, after: undefined });
  const kept = (facts: Fact[], other: Record<string, Fact> | undefined) => facts.filter((fact) => other?.[fact.id]).map((fact) => fact.id).join();
  if (kept(factsInOrder(before), after) !== kept(now, before)) changes.push({ kind: "figures-reordered", labels: now.map((fact) => fact.label) });
  return changes;
}

/** The edit from `old` to `now`, or undefined when nothing a reader can see changed. */
function entryEdit(old: Entry, now: Entry): EditedChange | undefined {
  const oldHeadline = old.headline ?? "";
  const newHeadline = now.headline ?? "";
  const change: EditedChange = {
    kind: "edited",
    entryId: now.id,
    headline: oldHeadline === newHeadline ? undefined : wordDiff(oldHeadline, newHeadline),
    body: old.body === now.body ? undefined : wordDiff(old.body, now.body),
  };
  if (old.kind !== now.kind) change.kindChange = { before: old.kind, after: now.kind };
  if (old.pinned !== now.pinned) change.pinChange = { before: old.pinned, after: now.pinned };
  const media = mediaChanges(old.media, now.media);
  if (media.changes.length > 0 || media.reordered) change.media = media;
  const changed = change.headline || change.body || change.kindChange || change.pinChange || change.media;
  return changed ? change : undefined;
}

function newestFirst(entries: Entry[]): Entry[] {
  return entries.toSorted((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}
