import fc from "fast-check";
import jsonpatch from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { entriesInDisplayOrder } from "./display-order.js";
import type { Operation, StampedOperation } from "./operations.js";
import { reduce, ReducerError } from "./reducer.js";
import type { Snapshot } from "./story.js";
import { latestView, viewPatch } from "./views.js";

const author = { name: "Desk" };
const stamp = (op: Operation, second: number): StampedOperation => ({ ...op, at: new Date(Date.UTC(2026, 4, 24, 1, 0, second)).toISOString(), author });
const created = reduce(undefined, stamp({ type: "create_story", storyId: "s", title: "T", summary: "" }, 0))!.snapshot;

/** Applies `ops` with the stock library, as any client would, to a copy of `document`. */
const stockApply = (document: Snapshot, ops: jsonpatch.Operation[]) => jsonpatch.applyPatch(structuredClone(document), ops, true, false).newDocument;

/** A pool larger than the view, so entries fall out of it and come back when newer ones go. */
const ids = Array.from({ length: 12 }, (_, n) => `e_${String.fromCharCode(97 + n).repeat(4)}`);
const entryId = fc.constantFrom(...ids);
const kind = fc.constantFrom("update" as const, "breaking" as const, "correction" as const);
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant("add_entry" as const), entryId, body: fc.constantFrom("x", "y"), kind, pinned: fc.constantFrom(false, false, false, true) }) },
  {
    weight: 3,
    arbitrary: fc.record(
      { type: fc.constant("edit_entry" as const), entryId, body: fc.constantFrom("x", "y", "z"), headline: fc.constantFrom("", "h"), pinned: fc.boolean() },
      { requiredKeys: ["type", "entryId"] },
    ),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("remove_entry" as const), entryId }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("update_story" as const), title: fc.constantFrom("A", "B"), status: fc.constantFrom("live" as const, "ended" as const) }, { requiredKeys: ["type"] }) },
);

/** Every version a random run of edits passes through. Steps sometimes share a second, so that order falls back on ids. */
function versions(operations: Operation[], clock: number[]): Snapshot[] {
  const states = [created];
  let second = 1;
  for (const [i, op] of operations.entries()) {
    second += clock[i] ?? 1;
    try {
      const next = reduce(states.at(-1), stamp(op, second));
      if (next) states.push(next.snapshot);
    } catch (error) {
      if (!(error instanceof ReducerError)) throw error; // an edit of a missing entry, an id used twice
    }
  }
  return states;
}

describe("latestView", () => {
  it("keeps every story field and version, the pinned entries and the newest others", () => {
    let story = created;
    for (const [n, id] of ids.entries()) story = reduce(story, stamp({ type: "add_entry", entryId: id, body: "b", kind: "update", pinned: n === 0 }, n + 1))!.snapshot;
    const view = latestView(story, 3);
    expect(Object.keys(view.entries).sort()).toEqual([ids[0], ids[9], ids[10], ids[11]].sort());
    const { entries: _full, ...fields } = story;
    const { entries: _view, ...viewFields } = view;
    expect(viewFields).toEqual(fields);
    expect(view.entries[ids[11]!]).toBe(story.entries[ids[11]!]); // shared, not copied
    expect(latestView(story, 50)).toBe(story); // nothing left out: the snapshot itself
  });

  it("answers a new entry with a patch that adds it and removes the one that falls out", () => {
    let story = created;
    for (const [n, id] of ids.slice(0, 4).entries()) story = reduce(story, stamp({ type: "add_entry", entryId: id, body: "b", kind: "update", pinned: false }, n + 1))!.snapshot;
    const next = reduce(story, stamp({ type: "add_entry", entryId: ids[4]!, body: "new", kind: "update", pinned: false }, 10))!.snapshot;
    const ops = viewPatch(story, next, "latest", 3);
    expect(ops.filter((op) => op.path.startsWith("/entries/")).map(({ op, path }) => ({ op, path }))).toEqual(
      expect.arrayContaining([
        { op: "add", path: `/entries/${ids[4]}` },
        { op: "remove", path: `/entries/${ids[1]}` },
      ]),
    );
    expect(ops.at(-1)).toEqual({ op: "replace", path: "/version", value: next.version });
  });

  it("property: the view's patches take the view at `from` to the view at `to`, with a stock JSON Patch library", () => {
    fc.assert(
      fc.property(
        fc.array(operation, { minLength: 5, maxLength: 60 }),
        fc.array(fc.constantFrom(0, 1, 1, 2), { maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        (operations, clock, size, stride) => {
          const states = versions(operations, clock);
          for (const [i, to] of states.entries()) {
            if (i === 0) continue;
            // Version by version, as the fan-out sends them, and across spans, as a catch-up does.
            for (const from of [states[i - 1]!, states[Math.max(0, i - stride)]!]) {
              const view = latestView(from, size);
              const reached = stockApply(view, viewPatch(from, to, "latest", size));
              expect(reached).toEqual(latestView(to, size));
            }
          }
          const last = states.at(-1)!;
          expect(stockApply(created, viewPatch(created, last, "full", 1))).toEqual(last);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: a view holds exactly the pinned entries and the newest `size` others", () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 6 }), (operations, size) => {
        const story = versions(operations, []).at(-1)!;
        const ordered = entriesInDisplayOrder(story);
        const unpinned = ordered.filter((entry) => !entry.pinned);
        const expected = [...ordered.filter((entry) => entry.pinned), ...unpinned.slice(0, size)].map((entry) => entry.id);
        expect(entriesInDisplayOrder(latestView(story, size)).map((entry) => entry.id)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
