import { DEFAULT_LANGUAGE } from "../../shared/language.js";
import type { Entry, Snapshot } from "../../shared/story.js";

/**
 * How both stores keep a story's latest state: its head (every field but the entries, a few
 * hundred bytes) in the story's row and each entry in a row of its own. A write stores the head
 * and the entries it changed, so its cost follows the change, not the story's length (a
 * 2,000-entry story's whole snapshot is ~2 MB of JSON; an entry is ~1 KB).
 */

/** The snapshot's JSON with no entries (`"entries": {}` in its place, so key order is kept). */
export function headJson(snapshot: Snapshot): string {
  return JSON.stringify({ ...snapshot, entries: {} });
}

/** An entry row: its id and its JSON. */
export interface EntryRow {
  id: string;
  json: string;
}

/** The entries a transition wrote (new or edited, serialized) and removed, by identity: entries are never mutated. */
export interface EntryChanges {
  upserts: EntryRow[];
  removals: string[];
}

/**
 * What differs between `previous` and `next` entry by entry. The reducer keeps every untouched
 * entry as the same object, so comparing references finds the changed ones without serializing
 * or deep-comparing any. Only `entryIds` (the reducer's: those the operation touched) are looked
 * at: enumerating a 2,000-entry story's keys alone costs a write milliseconds.
 */
export function entryChanges(previous: Snapshot | undefined, next: Snapshot, entryIds: readonly string[]): EntryChanges {
  const before = previous?.entries ?? {};
  const upserts: EntryRow[] = [];
  const removals: string[] = [];
  for (const id of entryIds) {
    const entry = next.entries[id];
    if (!entry) removals.push(id);
    else if (before[id] !== entry) upserts.push({ id, json: JSON.stringify(entry) });
  }
  return { upserts, removals };
}

/**
 * The snapshot from its head and its entry rows, in the order they were first added (the order of
 * the reducer's object keys, so the JSON comes out as it was served).
 */
export function assemble(head: string, entries: Iterable<string>): Snapshot {
  const snapshot = parseStoredSnapshot(head);
  const byId: Record<string, Entry> = {};
  for (const json of entries) {
    const entry = JSON.parse(json) as Entry;
    byId[entry.id] = entry;
  }
  snapshot.entries = byId;
  return snapshot;
}

/**
 * A stored snapshot (a head or a checkpoint) as the store hands it out. One stored before stories
 * had a language reads as DEFAULT_LANGUAGE (shared/story.ts): every snapshot a reader, a patch or
 * the reducer sees then has one, so a later change of language is a plain `replace` that applies
 * to whatever snapshot a client holds, and old logs stay valid without being rewritten.
 */
export function parseStoredSnapshot(json: string): Snapshot {
  const snapshot = JSON.parse(json) as Snapshot;
  snapshot.language ??= DEFAULT_LANGUAGE;
  return snapshot;
}
