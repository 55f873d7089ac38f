// Key figures (DESIGN.md §1 `facts`). Kept free of zod, so the reader pages and the desk use the
// same ordering, wording and id rules as the server.

/**
 * Figure ids are chosen by the writer (`PUT …/facts/f_injured`), so they are checked: "f_" and
 * lowercase letters, digits and underscores, which never need escaping in a JSON Pointer.
 */
export const FACT_ID_PATTERN = /^f_[a-z0-9][a-z0-9_]{0,31}$/;

/**
 * Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) carry direction past
 * the end of the text they sit in: in a one-line figure they can reorder the digits a reader sees
 * ("Trojan source"). Figures refuse them; the marks U+200E/U+200F/U+061C stay allowed.
 */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;

/** One key figure, as the snapshot holds it. */
export interface Fact {
  id: string;
  label: string;
  /** Short text, not a number: "at least 15", "~250". */
  value: string;
  /** On whose word: "National Police". */
  source?: string;
  /** Position in the box, 1 first; the reducer keeps a story's figures numbered 1…n. */
  order: number;
  /** When its label, value or source last changed (a move alone does not count). */
  updatedAt: string;
}

/** A story's figures in display order. */
export function factsInOrder(facts: Record<string, Fact> | undefined): Fact[] {
  return Object.values(facts ?? {}).sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
}

/** Whether a reader would see a difference: label, value or source (not a move). */
export function sameFigure(a: Fact, b: Fact): boolean {
  return a.label === b.label && a.value === b.value && a.source === b.source;
}

/** The figures of `after` that are new or read differently than in `before`, in display order, each with what it was. */
export function changedFacts(before: Record<string, Fact> | undefined, after: Record<string, Fact> | undefined): { fact: Fact; before: Fact | undefined }[] {
  return factsInOrder(after).flatMap((fact) => {
    const old = before?.[fact.id];
    return old && sameFigure(old, fact) ? [] : [{ fact, before: old }];
  });
}

/** "at least 15 (National Police)": a figure's value with its source, as history lines write it. */
export function valueWithSource(fact: Pick<Fact, "value" | "source">): string {
  return fact.source ? `${fact.value} (${fact.source})` : fact.value;
}

/**
 * The story's summary followed by its figures, as one plain paragraph for places that take a
 * description (JSON-LD, feed subtitles): "… Key figures: Injured: at least 15 (National Police);
 * Killed: none reported." `heading` is "Key figures" in the story's language.
 */
export function summaryWithFigures(summary: string, facts: Record<string, Fact> | undefined, heading: string): string {
  const figures = factsInOrder(facts).map((fact) => `${fact.label}: ${valueWithSource(fact)}`);
  if (figures.length === 0) return summary;
  return `${summary ? `${summary.trim()} ` : ""}${heading}: ${figures.join("; ")}.`;
}

/**
 * The history line of a figure's change: "Injured: at least 11 → at least 15 (National Police)".
 * `before` is undefined for a new figure, `after` for a removed one. Stored with its version.
 */
export function describeFactChange(before: Fact | undefined, after: Fact | undefined): string {
  if (!before && after) return `Added figure ${after.label}: ${valueWithSource(after)}`;
  if (before && !after) return `Removed figure ${before.label} (was ${valueWithSource(before)})`;
  if (!before || !after) return "";
  const renamed = before.label !== after.label ? `${before.label} renamed ${after.label}` : "";
  const changed = before.value !== after.value || before.source !== after.source;
  if (changed) {
    const line = `${after.label}: ${before.value} → ${valueWithSource(after)}`;
    return renamed ? `${renamed}; ${line}` : line;
  }
  if (renamed) return `Figure ${renamed}`;
  return `Moved figure ${after.label} to position ${after.order}`;
}

/**
 * The figure's label as describeFactChange wrote it into a summary, for history versions whose
 * patch does not carry it (a value changed, a figure moved or removed): undefined when the line
 * is not one of its forms. A label holding ": " is cut at it; the history then names less of it.
 */
export function factLabelInSummary(summary: string): string | undefined {
  const match =
    /^Removed figure (.+) \(was /.exec(summary) ??
    /^Moved figure (.+) to position \d+$/.exec(summary) ??
    /^Figure .+ renamed (.+)$/.exec(summary) ??
    /^(?:.+ renamed .+; )?(.+?): .* → /.exec(summary);
  return match?.[1];
}

/** The fields a writer sends for a figure (`PUT …/facts/:factId`). */
export interface FactFields {
  label: string;
  value: string;
  source?: string;
  order?: number;
}

/**
 * A free id for a new figure, from its label: "Injured" → f_injured, taken → f_injured_2. Labels
 * with no Latin letters or digits ("Поранені") get a random one.
 */
export function newFactId(label: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const stem = label
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 24)
    .replace(/_+$/, "");
  const base = stem ? `f_${stem}` : `f_${Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => (b % 36).toString(36)).join("")}`;
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}_${n}`)) return `${base}_${n}`;
}
