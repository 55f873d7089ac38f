import { removeFact, setFact } from "./fact-reducer.js";
import { DEFAULT_LANGUAGE } from "./language.js";
import { renderMarkdown } from "./markdown.js";
import type { NewEntry, Stamp, StampedOperation } from "./operations.js";
import { entryLabel } from "./entry-label.js";
import { withoutImage } from "./without-image.js";
import { diffSnapshots, type PatchOp } from "./patch.js";
import { ReducerError } from "./reducer-error.js";
import type { Entry, Snapshot } from "./story.js";

export { ReducerError };

/** What one operation did: the next snapshot, the patch to it, and a line for the history. */
export interface Transition {
  snapshot: Snapshot;
  ops: PatchOp[];
  summary: string;
  /**
   * The entries the operation added, changed or removed, in the story's order: what a store
   * writes and a diff compares, so neither walks a long story's untouched entries.
   */
  entryIds: readonly string[];
}

/**
 * The story reducer: the only place that decides how a story changes. Pure: same snapshot and
 * operation, same result. Returns `null` when the operation changes nothing, so no empty version
 * is ever written. `maxEntries` caps the entries a story may hold (the server's
 * MAX_ENTRIES_PER_STORY): the stores run the reducer inside the transaction that holds the story,
 * so the cap is judged on the true latest snapshot and concurrent writers cannot pass it.
 */
export function reduce(current: Snapshot | undefined, op: StampedOperation, maxEntries = Infinity): Transition | null {
  if (op.type === "create_story") {
    if (current) throw new ReducerError("story_exists", `Story "${op.storyId}" already exists.`);
    const snapshot: Snapshot = {
      id: op.storyId,
      version: 1,
      title: op.title,
      summary: op.summary,
      status: "live",
      createdAt: op.at,
      updatedAt: op.at,
      entries: {},
      language: op.language ?? DEFAULT_LANGUAGE,
    };
    return { snapshot, ops: [{ op: "add", path: "", value: snapshot }], summary: "Story created", entryIds: [] };
  }
  if (!current) throw new ReducerError("story_not_found", "No such story.");

  const next = nextSnapshot(current, op, maxEntries);
  if (!next) return null;
  const snapshot = { ...next.snapshot, version: current.version + 1, updatedAt: op.at };
  const entryIds = next.entryIds ?? changedEntryIds(current.entries, snapshot.entries);
  if (next.entryCount !== undefined) countedEntries.set(snapshot.entries, next.entryCount);
  return { snapshot, ops: diffSnapshots(current, snapshot, entryIds), summary: next.summary, entryIds };
}

/** A change; one that touches entries names them and says how many the story holds after it. */
type Change = { snapshot: Snapshot; summary: string; entryIds?: string[]; entryCount?: number } | null;

/** The entries that differ between two entries objects, by identity (entries are never mutated). */
function changedEntryIds(before: Snapshot["entries"], after: Snapshot["entries"]): string[] {
  if (before === after) return [];
  const ids = Object.keys(before).filter((id) => before[id] !== after[id]);
  return [...ids, ...Object.keys(after).filter((id) => !(id in before))];
}

/**
 * How many entries an entries object holds. Counting keys walks the whole object (a sort, for an
 * object with thousands of keys), so each count is kept with its object, which never changes.
 */
const countedEntries = new WeakMap<Snapshot["entries"], number>();
export function entryCount(entries: Snapshot["entries"]): number {
  let count = countedEntries.get(entries);
  if (count === undefined) countedEntries.set(entries, (count = Object.keys(entries).length));
  return count;
}

function nextSnapshot(current: Snapshot, op: Exclude<StampedOperation, { type: "create_story" }>, maxEntries: number): Change {
  switch (op.type) {
    case "update_story": {
      const fields = (["title", "summary", "status", "language"] as const).filter(
        (field) => op[field] !== undefined && op[field] !== current[field],
      );
      if (fields.length === 0) return null;
      const snapshot = { ...current };
      for (const field of fields) Object.assign(snapshot, { [field]: op[field] });
      const parts = fields.map((field) =>
        field === "status" ? (op.status === "ended" ? "live coverage ended" : "live coverage resumed") : field === "language" ? `language changed to ${op.language}` : `${field} changed`,
      );
      const summary = parts.join(", ").replace(/^./, (c) => c.toUpperCase());
      return { snapshot, summary };
    }
    case "add_entry":
    case "add_entries": {
      const added = op.type === "add_entry" ? [op] : op.entries;
      if (added.length === 0) return null;
      const held = entryCount(current.entries);
      if (held + added.length > maxEntries) {
        throw new ReducerError(
          "too_many_entries",
          op.type === "add_entry"
            ? `This story holds ${maxEntries} entries, its limit; remove one before adding another.`
            : `These ${added.length} entries do not fit: this story holds ${held} of at most ${maxEntries}; nothing was added.`,
        );
      }
      const entries = { ...current.entries };
      for (const fields of added) {
        // Judged against the entries added before it too, so a batch naming one id twice is refused whole.
        if (entries[fields.entryId]) throw new ReducerError("entry_exists", `Entry "${fields.entryId}" already exists.`);
        entries[fields.entryId] = newEntry(fields, op);
      }
      return {
        snapshot: { ...current, entries },
        summary: added.length === 1 ? `Added ${describe(entries[added[0]!.entryId]!)}` : `Added ${added.length} entries`,
        entryIds: added.map((fields) => fields.entryId),
        entryCount: held + added.length,
      };
    }
    case "edit_entry": {
      const before = existingEntry(current, op.entryId);
      const entry = editedEntry(before, op);
      if (!entry) return null;
      const pinOnly = entry.updatedAt === before.updatedAt;
      return {
        snapshot: { ...current, entries: { ...current.entries, [entry.id]: entry } },
        entryIds: [entry.id],
        entryCount: entryCount(current.entries),
        summary: pinOnly
          ? `${entry.pinned ? "Pinned" : "Unpinned"} ${describe(entry)}`
          : `Edited ${describe(entry)}${entry.kind === "correction" && before.kind !== "correction" ? " as a correction" : ""}`,
      };
    }
    case "remove_entry": {
      const entry = existingEntry(current, op.entryId);
      const { [entry.id]: _removed, ...entries } = current.entries;
      return { snapshot: { ...current, entries }, summary: `Removed ${describe(entry)}`, entryIds: [entry.id], entryCount: entryCount(current.entries) - 1 };
    }
    case "take_down_media":
      return withoutMedia(current, op.mediaId, op.at);
    case "set_fact":
      return setFact(current, op);
    case "remove_fact":
      return removeFact(current, op);
  }
}

/** The entry `fields` makes, written by the stamp's author at its time unless it brings its own (an import's `createdAt`). */
function newEntry(fields: NewEntry, stamp: Stamp): Entry {
  const at = fields.createdAt ?? stamp.at;
  return {
    id: fields.entryId,
    createdAt: at,
    updatedAt: at,
    author: fields.byline ?? stamp.author,
    kind: fields.kind,
    pinned: fields.pinned,
    ...(fields.headline ? { headline: fields.headline } : {}),
    body: fields.body,
    html: renderMarkdown(fields.body),
    revision: 1,
    ...(fields.media?.length ? { media: fields.media } : {}),
    ...(fields.question ? { question: fields.question } : {}),
  };
}

function existingEntry(story: Snapshot, entryId: string): Entry {
  const entry = story.entries[entryId];
  if (!entry) throw new ReducerError("entry_not_found", `No entry "${entryId}" in this story.`);
  return entry;
}

/**
 * The entry after an edit, or null if nothing changes. Every edit is a revision (DESIGN.md §1);
 * only content edits (body, headline, kind, media) move `updatedAt`, which readers see as
 * "Updated HH:MM". The entry keeps its own media items where they are unchanged, so the patch
 * (shared/patch.ts) names only the items that were added, removed, moved or changed.
 */
function editedEntry(before: Entry, op: Extract<StampedOperation, { type: "edit_entry" }>): Entry | null {
  const headline = op.headline === undefined ? before.headline : op.headline || undefined;
  const body = op.body ?? before.body;
  const kind = op.kind ?? before.kind;
  const pinned = op.pinned ?? before.pinned;
  const media = op.media === undefined ? before.media : op.media.length > 0 ? op.media : undefined;
  const mediaChanged = !sameMedia(media, before.media);
  const textChanged = headline !== before.headline || body !== before.body || kind !== before.kind || mediaChanged;
  if (!textChanged && pinned === before.pinned) return null;

  const { headline: _old, media: _oldMedia, ...rest } = before;
  return {
    ...rest,
    ...(headline ? { headline } : {}),
    body,
    html: body === before.body ? before.html : renderMarkdown(body),
    kind,
    pinned,
    updatedAt: textChanged ? op.at : before.updatedAt,
    revision: before.revision + 1,
    ...(media ? { media: mediaChanged ? media : before.media! } : {}),
  };
}

/**
 * The story without the photo `mediaId` in any entry: each entry that showed it is a new revision,
 * updated at `at` (what readers see changed), and an entry left with no media loses the field.
 */
function withoutMedia(current: Snapshot, mediaId: string, at: string): Change {
  const changed: Entry[] = [];
  for (const entry of Object.values(current.entries)) {
    const kept = withoutImage(entry.media, mediaId);
    if (!kept) continue;
    const { media: _old, ...rest } = entry;
    changed.push({ ...rest, ...(kept.length ? { media: kept } : {}), updatedAt: at, revision: entry.revision + 1 });
  }
  if (changed.length === 0) return null;
  const entries = { ...current.entries };
  for (const entry of changed) entries[entry.id] = entry;
  return {
    snapshot: { ...current, entries },
    summary: changed.length === 1 ? `Photo taken down from ${describe(changed[0]!)}` : `Photo taken down from ${changed.length} entries`,
    entryIds: changed.map((entry) => entry.id),
    entryCount: entryCount(current.entries),
  };
}

/** Media lists are plain JSON built in one key order (server/media/resolve-media.ts, EmbedInput). */
const sameMedia = (a: Entry["media"], b: Entry["media"]): boolean => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/**
 * How a history summary names an entry: its label in quotes (shared/entry-label.ts). Summaries are
 * stored with their version, so versions committed before this wording keep the one they were
 * given ("entry e_… "…""); shared/history-changes.ts reads the label back from between the quotes.
 */
function describe(entry: Entry): string {
  const label = entryLabel(entry);
  return label === "" ? "an entry" : `"${label}"`;
}
