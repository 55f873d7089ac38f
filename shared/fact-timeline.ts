import jsonpatch from "fast-json-patch";
import { sameFigure, type Fact } from "./facts.js";
import type { PatchOp } from "./patch.js";
import type { Author } from "./story.js";

/** One value a figure had: from which version, when, by whom; `removed` when the figure was taken down. */
export interface FactRecord {
  version: number;
  at: string;
  author: Author;
  label: string;
  value: string;
  source?: string;
  removed?: true;
}

/** A figure's record, newest first; `label` is its latest. */
export interface FactTimeline {
  id: string;
  label: string;
  records: FactRecord[];
}

/** A version that touched the figures, as the stores give it (Store.factVersions). */
export interface FactVersion {
  version: number;
  at: string;
  author: Author;
  ops: readonly PatchOp[];
}

/**
 * Every figure's timeline, built by replaying the `/facts` operations of the versions that touched
 * them on `base` (the figures just before the first of those versions): no snapshot is rebuilt
 * and nothing else of the story is read. A move alone is not a new value and records nothing.
 * Timelines come in the order of the figures' first record.
 */
export function factTimelines(base: Record<string, Fact> | undefined, versions: readonly FactVersion[]): FactTimeline[] {
  let document: { facts?: Record<string, Fact> } = base ? { facts: structuredClone(base) } : {};
  const timelines = new Map<string, FactTimeline>();
  const record = (id: string, entry: FactRecord) => {
    const timeline = timelines.get(id) ?? timelines.set(id, { id, label: entry.label, records: [] }).get(id)!;
    timeline.label = entry.label;
    timeline.records.unshift(entry);
  };
  for (const version of versions) {
    const ops = version.ops.filter((op) => op.path === "/facts" || op.path.startsWith("/facts/"));
    if (ops.length === 0) continue;
    const before = document.facts ?? {};
    document = jsonpatch.applyPatch(structuredClone(document), structuredClone(ops) as PatchOp[], false, true).newDocument;
    const after = document.facts ?? {};
    const stamp = { version: version.version, at: version.at, author: version.author };
    for (const [id, fact] of Object.entries(after)) {
      const old = before[id];
      if (old && sameFigure(old, fact)) continue;
      record(id, { ...stamp, label: fact.label, value: fact.value, ...(fact.source ? { source: fact.source } : {}) });
    }
    for (const [id, old] of Object.entries(before)) {
      if (!after[id]) record(id, { ...stamp, label: old.label, value: old.value, ...(old.source ? { source: old.source } : {}), removed: true });
    }
  }
  return [...timelines.values()];
}
