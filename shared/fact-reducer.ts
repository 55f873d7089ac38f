import { describeFactChange, factsInOrder, type Fact } from "./facts.js";
import { FACT_LIMITS } from "./limits.js";
import type { StampedOperation } from "./operations.js";
import { ReducerError } from "./reducer-error.js";
import type { Snapshot } from "./story.js";

type SetFact = Extract<StampedOperation, { type: "set_fact" }>;
type RemoveFact = Extract<StampedOperation, { type: "remove_fact" }>;

/** What a figure operation did to the story: its next state and the history line, or null for no change. */
export type FactChange = { snapshot: Snapshot; summary: string } | null;

/**
 * Creates or changes a figure. Figures are numbered 1…n in display order: a figure put at `order`
 * k goes to position k and the others close up around it, so the patch replaces the `order` of
 * only the figures that moved. Label, value and source are replaced as given (no source: none);
 * `updatedAt` moves only when one of them changed, so a move alone does not look like news.
 */
export function setFact(current: Snapshot, op: SetFact): FactChange {
  const before = current.facts?.[op.factId];
  const others = factsInOrder(current.facts).filter((fact) => fact.id !== op.factId);
  if (!before && others.length >= FACT_LIMITS.perStory) {
    throw new ReducerError("too_many_facts", `This story has ${FACT_LIMITS.perStory} figures, the most it may have; remove one before adding another.`);
  }
  const textChanged = !before || before.label !== op.label || before.value !== op.value || before.source !== op.source;
  const position = Math.min(Math.max(op.order ?? before?.order ?? others.length + 1, 1), others.length + 1);
  const fact: Fact = {
    id: op.factId,
    label: op.label,
    value: op.value,
    ...(op.source ? { source: op.source } : {}),
    order: position,
    updatedAt: textChanged ? op.at : before.updatedAt,
  };
  const ordered = others.toSpliced(position - 1, 0, fact);
  const facts: Record<string, Fact> = {};
  for (const [index, item] of ordered.entries()) facts[item.id] = item.order === index + 1 ? item : { ...item, order: index + 1 };
  if (!textChanged && before.order === position && ordered.every((item, index) => item.order === index + 1)) return null;
  return { snapshot: { ...current, facts }, summary: describeFactChange(before, fact) };
}

/** Removes a figure; the others close up. The `facts` key goes with the last one. */
export function removeFact(current: Snapshot, op: RemoveFact): FactChange {
  const before = current.facts?.[op.factId];
  if (!before) throw new ReducerError("fact_not_found", `No figure "${op.factId}" in this story.`);
  const rest = factsInOrder(current.facts).filter((fact) => fact.id !== op.factId);
  const { facts: _old, ...story } = current;
  if (rest.length === 0) return { snapshot: story, summary: describeFactChange(before, undefined) };
  const facts = Object.fromEntries(rest.map((fact, index) => [fact.id, fact.order === index + 1 ? fact : { ...fact, order: index + 1 }]));
  return { snapshot: { ...story, facts }, summary: describeFactChange(before, undefined) };
}
