import jsonpatch from "fast-json-patch";
import type { NewEntry, Operation, Stamp, StampedOperation } from "./operations.js";
import { reduce } from "./reducer.js";
import type { Entry, Snapshot } from "./story.js";

/**
 * The operation that turns one version of a story into the next, recovered from the two
 * snapshots: what a story's history replays as on another installation (server/story-transfer.ts),
 * so that the reducer there writes the very same versions. Pure.
 *
 * Each version was made by one operation, so the candidates are few: the story's fields, entries
 * added, one entry edited or removed, a photo taken down, one figure set or removed. The one whose
 * result equals `after` (and, given the version's history line, writes the same line) is it; none means the version cannot be rebuilt by this build's reducer
 * (say, Markdown rendered differently then), and the caller refuses rather than import it altered.
 */
export function operationBetween(before: Snapshot | undefined, after: Snapshot, stamp: Stamp, summary?: string): StampedOperation {
  // An edit that drops a photo and a takedown of it write the same snapshot: the history line the
  // version was written with tells them apart, where it is known and this build words it the same.
  let match: StampedOperation | undefined;
  for (const operation of candidates(before, after)) {
    const stamped = { ...operation, ...stamp } as StampedOperation;
    let result: ReturnType<typeof reduce>;
    try {
      result = reduce(before, stamped);
    } catch {
      continue;
    }
    if (!result || !sameJson(result.snapshot, after)) continue;
    if (summary === undefined || result.summary === summary) return stamped;
    match ??= stamped;
  }
  if (match) return match;
  throw new Error(`Version ${after.version} of "${after.id}" cannot be rebuilt by this build's reducer from version ${before?.version ?? "none"}.`);
}

/** Equal as JSON (key order aside): no patch between them. */
const sameJson = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === "object" && typeof b === "object" && a !== null && b !== null && jsonpatch.compare(a, b).length === 0);

function* candidates(before: Snapshot | undefined, after: Snapshot): Generator<Operation> {
  if (!before) {
    yield { type: "create_story", storyId: after.id, title: after.title, summary: after.summary, language: after.language };
    return;
  }
  const story = { title: after.title, summary: after.summary, status: after.status, language: after.language };
  yield { type: "update_story", ...story };

  const added = Object.values(after.entries).filter((entry) => !before.entries[entry.id]);
  const removed = Object.keys(before.entries).filter((id) => !after.entries[id]);
  const changed = Object.values(after.entries).filter((entry) => before.entries[entry.id] && !sameJson(entry, before.entries[entry.id]));
  if (added.length === 1) yield { type: "add_entry", ...newEntry(added[0]!, after.updatedAt) };
  if (added.length > 0) yield { type: "add_entries", entries: added.map((entry) => newEntry(entry, after.updatedAt)) };
  if (removed.length === 1) yield { type: "remove_entry", entryId: removed[0]! };
  if (changed.length === 1) {
    const entry = changed[0]!;
    yield { type: "edit_entry", entryId: entry.id, body: entry.body, headline: entry.headline ?? "", kind: entry.kind, pinned: entry.pinned, media: entry.media ?? [] };
  }
  for (const mediaId of imagesGone(before, changed)) yield { type: "take_down_media", mediaId };

  for (const fact of Object.values(after.facts ?? {})) {
    if (sameJson(fact, before.facts?.[fact.id])) continue;
    yield { type: "set_fact", factId: fact.id, label: fact.label, value: fact.value, ...(fact.source ? { source: fact.source } : {}), order: fact.order };
  }
  for (const factId of Object.keys(before.facts ?? {})) if (!after.facts?.[factId]) yield { type: "remove_fact", factId };
}

/** The entry as an operation adds it: its own time and byline kept where they differ from the version's. */
function newEntry(entry: Entry, versionAt: string): NewEntry {
  return {
    entryId: entry.id,
    body: entry.body,
    ...(entry.headline ? { headline: entry.headline } : {}),
    kind: entry.kind,
    pinned: entry.pinned,
    byline: entry.author,
    ...(entry.media ? { media: entry.media } : {}),
    ...(entry.question ? { question: entry.question } : {}),
    ...(entry.createdAt !== versionAt ? { createdAt: entry.createdAt } : {}),
  };
}

/** Photos that changed entries no longer show: a takedown's candidates. */
function imagesGone(before: Snapshot, changed: Entry[]): Set<string> {
  const gone = new Set<string>();
  for (const entry of changed) {
    const kept = new Set((entry.media ?? []).flatMap((item) => (item.type === "image" ? [item.id] : [])));
    for (const item of before.entries[entry.id]!.media ?? []) if (item.type === "image" && !kept.has(item.id)) gone.add(item.id);
  }
  return gone;
}
