import { z } from "zod";
import { entryLabel } from "./entry-label.js";
import { factLabelInSummary, factsInOrder, type Fact } from "./facts.js";
import type { PatchOp } from "./patch.js";
import { EntryKind, StoryStatus, type Entry, type Snapshot } from "./story.js";

/**
 * What one version changed, in structured form (`changes` of `GET /api/stories/:id/history`,
 * DESIGN.md §3), so every page words it in the story's language; `summary` stays the English
 * sentence for old clients. Derived on read from the version's stored JSON Patch (and, where the
 * patch does not hold a label, from the summary written with it), so versions committed before
 * `changes` existed read the same way and nothing is migrated.
 */

/** An entry as the history names it: `label` is its headline or first line (shared/entry-label.ts), absent when unknown. */
const EntryRef = { entryId: z.string(), label: z.string().optional() };
/** A figure as the history names it; `label` absent when the version does not say it. */
const FigureRef = { factId: z.string().optional(), label: z.string().optional() };

export const HistoryChange = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("story_created"), title: z.string(), language: z.string() }),
  z.strictObject({ type: z.literal("title_changed"), title: z.string() }),
  z.strictObject({ type: z.literal("summary_changed") }),
  z.strictObject({ type: z.literal("status_changed"), status: StoryStatus }),
  z.strictObject({ type: z.literal("language_changed"), language: z.string() }),
  z.strictObject({ type: z.literal("entry_added"), ...EntryRef, kind: EntryKind, pinned: z.boolean() }),
  /** A batch (`POST …/entries/batch`): how many, not each. */
  z.strictObject({ type: z.literal("entries_added"), count: z.number().int().positive() }),
  /** `fields`: what a reader sees changed; `kind` when its kind changed, to that kind. */
  z.strictObject({
    type: z.literal("entry_edited"),
    ...EntryRef,
    fields: z.array(z.enum(["headline", "body", "kind", "media"])),
    kind: EntryKind.optional(),
  }),
  z.strictObject({ type: z.literal("entry_pinned"), ...EntryRef, pinned: z.boolean() }),
  z.strictObject({ type: z.literal("entry_removed"), ...EntryRef }),
  /** A figure added (`added`) or changed: the values it has now, those the version set. */
  z.strictObject({
    type: z.literal("figure_set"),
    ...FigureRef,
    added: z.boolean(),
    value: z.string().optional(),
    source: z.string().optional(),
  }),
  z.strictObject({ type: z.literal("figure_moved"), ...FigureRef, order: z.number().int().positive() }),
  z.strictObject({ type: z.literal("figure_removed"), ...FigureRef }),
]);
export type HistoryChange = z.infer<typeof HistoryChange>;

/** Story fields in the order the desk's settings show them (a patch lists them in no useful order). */
const STORY_ORDER: HistoryChange["type"][] = ["story_created", "title_changed", "summary_changed", "status_changed", "language_changed"];
const ENTRY_PATH = /^\/entries\/([^/]+)(?:\/([^/]+))?/;
const FACT_PATH = /^\/facts(?:\/([^/]+)(?:\/([^/]+))?)?$/;
const ENTRY_FIELDS = ["headline", "body", "kind", "media"] as const;
type EntryField = (typeof ENTRY_FIELDS)[number];

/** The entry label the summary holds between its quotes (`Edited "…"`), when the version named one entry. */
function quotedLabel(summary: string): string | undefined {
  const first = summary.indexOf('"');
  const last = summary.lastIndexOf('"');
  return first >= 0 && last > first ? summary.slice(first + 1, last) : undefined;
}

interface EntryTouch {
  added?: Entry;
  removed?: boolean;
  fields: Set<EntryField>;
  kind?: z.infer<typeof EntryKind>;
  pinned?: boolean;
  headline?: string;
}

interface FigureTouch {
  added?: Fact;
  removed?: boolean;
  label?: string;
  value?: string;
  source?: string;
  order?: number;
  changed: boolean;
}

/**
 * The changes of one version, from its patch `ops` and its stored English `summary`: story fields
 * first, then figures, then entries. Pure.
 */
export function historyChanges(ops: readonly PatchOp[], summary: string): HistoryChange[] {
  const story: HistoryChange[] = [];
  const entries = new Map<string, EntryTouch>();
  const figures = new Map<string | undefined, FigureTouch>();
  const figure = (id: string | undefined) => figures.get(id) ?? figures.set(id, { changed: false }).get(id)!;

  for (const op of ops) {
    const value = "value" in op ? (op.value as unknown) : undefined;
    if (op.path === "" && op.op === "add") {
      const created = value as Snapshot;
      story.push({ type: "story_created", title: created.title, language: created.language });
      continue;
    }
    if (op.path === "/title" && typeof value === "string") story.push({ type: "title_changed", title: value });
    else if (op.path === "/summary") story.push({ type: "summary_changed" });
    else if (op.path === "/status") story.push({ type: "status_changed", status: value === "ended" ? "ended" : "live" });
    else if (op.path === "/language" && typeof value === "string") story.push({ type: "language_changed", language: value });

    const entryMatch = ENTRY_PATH.exec(op.path);
    if (entryMatch) {
      const [, id, field] = entryMatch as unknown as [string, string, string | undefined];
      const touch = entries.get(id) ?? entries.set(id, { fields: new Set() }).get(id)!;
      if (field === undefined) {
        if (op.op === "add") touch.added = value as Entry;
        else if (op.op === "remove") touch.removed = true;
      } else if (field === "pinned" && typeof value === "boolean") touch.pinned = value;
      else if ((ENTRY_FIELDS as readonly string[]).includes(field)) {
        touch.fields.add(field as EntryField);
        if (field === "kind") touch.kind = value as z.infer<typeof EntryKind>;
        if (field === "headline" && typeof value === "string") touch.headline = value;
      }
    }

    const factMatch = FACT_PATH.exec(op.path);
    if (factMatch) {
      const [, id, field] = factMatch as unknown as [string, string | undefined, string | undefined];
      if (id === undefined) {
        // The first figure arrives with the whole `facts` object; the last one leaves with it.
        if (op.op === "add") for (const fact of factsInOrder(value as Record<string, Fact>)) figure(fact.id).added = fact;
        else if (op.op === "remove") figure(undefined).removed = true;
      } else if (field === undefined) {
        if (op.op === "add") figure(id).added = value as Fact;
        else if (op.op === "remove") figure(id).removed = true;
      } else {
        const touch = figure(id);
        if (field === "order" && typeof value === "number") touch.order = value;
        else if (field === "label" || field === "value" || field === "source") {
          touch.changed = true;
          if (typeof value === "string") touch[field] = value;
        }
      }
    }
  }
  story.sort((a, b) => STORY_ORDER.indexOf(a.type) - STORY_ORDER.indexOf(b.type));
  return [...story, ...figureChanges(figures, summary), ...entryChanges(entries, summary)];
}

function figureChanges(figures: Map<string | undefined, FigureTouch>, summary: string): HistoryChange[] {
  // A version changes one figure; the others' `order` moves with it, which is no news of theirs.
  const named = figures.size === 1 || [...figures.values()].filter((touch) => touch.added || touch.removed || touch.changed).length === 1;
  const labelOf = (touch: FigureTouch) => touch.label ?? (named ? factLabelInSummary(summary) : undefined);
  const changes: HistoryChange[] = [];
  for (const [factId, touch] of figures) {
    const ref = { ...(factId ? { factId } : {}) };
    if (touch.added) {
      const { label, value, source } = touch.added;
      changes.push({ type: "figure_set", ...ref, label, added: true, value, ...(source ? { source } : {}) });
    } else if (touch.removed) {
      const label = labelOf(touch);
      changes.push({ type: "figure_removed", ...ref, ...(label ? { label } : {}) });
    } else if (touch.changed) {
      const label = labelOf(touch);
      changes.push({
        type: "figure_set",
        ...ref,
        ...(label ? { label } : {}),
        added: false,
        ...(touch.value !== undefined ? { value: touch.value } : {}),
        ...(touch.source !== undefined ? { source: touch.source } : {}),
      });
    } else if (touch.order !== undefined && figures.size === 1) {
      const label = labelOf(touch);
      changes.push({ type: "figure_moved", ...ref, ...(label ? { label } : {}), order: touch.order });
    }
  }
  // Only moves of figures that closed up around one another: say the one the summary names.
  if (changes.length === 0 && figures.size > 1) {
    const label = factLabelInSummary(summary);
    const moved = /to position (\d+)$/.exec(summary);
    if (label && moved) changes.push({ type: "figure_moved", label, order: Number(moved[1]) });
  }
  return changes;
}

function entryChanges(entries: Map<string, EntryTouch>, summary: string): HistoryChange[] {
  const added = [...entries.values()].flatMap((touch) => (touch.added ? [touch.added] : []));
  const changes: HistoryChange[] = [];
  if (added.length === 1) {
    const entry = added[0]!;
    const label = entryLabel(entry);
    changes.push({ type: "entry_added", entryId: entry.id, ...(label ? { label } : {}), kind: entry.kind, pinned: entry.pinned });
  } else if (added.length > 1) changes.push({ type: "entries_added", count: added.length });

  const others = [...entries].filter(([, touch]) => !touch.added);
  // The summary's quoted label names the entry only when the version touched that one.
  const summaryLabel = others.length === 1 ? quotedLabel(summary) : undefined;
  for (const [entryId, touch] of others) {
    const label = (touch.headline === undefined ? "" : entryLabel({ headline: touch.headline, body: "" })) || summaryLabel;
    const ref = { entryId, ...(label ? { label } : {}) };
    if (touch.removed) {
      changes.push({ type: "entry_removed", ...ref });
      continue;
    }
    if (touch.fields.size > 0) {
      const fields = ENTRY_FIELDS.filter((field) => touch.fields.has(field));
      changes.push({ type: "entry_edited", ...ref, fields, ...(touch.kind ? { kind: touch.kind } : {}) });
    }
    if (touch.pinned !== undefined) changes.push({ type: "entry_pinned", ...ref, pinned: touch.pinned });
  }
  return changes;
}
