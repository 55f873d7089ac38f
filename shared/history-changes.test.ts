import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HistoryChange, historyChanges } from "./history-changes.js";
import type { Operation } from "./operations.js";
import { reduce } from "./reducer.js";
import type { Snapshot } from "./story.js";

const author = { name: "Desk" };
const at = (n: number) => new Date(Date.UTC(2026, 4, 24, 1, 0, n)).toISOString();

/** Runs `ops` through the real reducer from nothing; the changes of each version, as the history API derives them. */
function versions(...ops: Operation[]): { story: Snapshot; changes: HistoryChange[][] } {
  let story: Snapshot | undefined;
  const changes: HistoryChange[][] = [];
  for (const [n, op] of ops.entries()) {
    const transition = reduce(story, { ...op, at: at(n), author });
    if (!transition) continue;
    story = transition.snapshot;
    changes.push(historyChanges(transition.ops, transition.summary));
  }
  return { story: story!, changes };
}

const create: Operation = { type: "create_story", storyId: "s", title: "Strikes", summary: "", language: "uk" };
const add = (entryId: string, fields: Partial<Extract<Operation, { type: "add_entry" }>> = {}): Operation => ({
  type: "add_entry",
  entryId,
  body: "Sirens across the **city**.\nMore soon.",
  kind: "update",
  pinned: false,
  ...fields,
});

describe("historyChanges", () => {
  it("names the story's creation and the fields a later version changed, with their new values", () => {
    const { changes } = versions(create, { type: "update_story", title: "Night strikes", summary: "New", status: "ended", language: "ar" });
    expect(changes[0]).toEqual([{ type: "story_created", title: "Strikes", language: "uk" }]);
    expect(changes[1]).toEqual([
      { type: "title_changed", title: "Night strikes" },
      { type: "summary_changed" },
      { type: "status_changed", status: "ended" },
      { type: "language_changed", language: "ar" },
    ]);
  });

  it("names an added entry by its headline, or else its body's first line as plain text, with its kind and pin", () => {
    const { changes } = versions(create, add("e_aaaa", { headline: "Sirens", kind: "breaking", pinned: true }), add("e_bbbb"));
    expect(changes[1]).toEqual([{ type: "entry_added", entryId: "e_aaaa", label: "Sirens", kind: "breaking", pinned: true }]);
    expect(changes[2]).toEqual([{ type: "entry_added", entryId: "e_bbbb", label: "Sirens across the city.", kind: "update", pinned: false }]);
  });

  it("counts a batch's entries instead of listing each", () => {
    const { changes } = versions(create, {
      type: "add_entries",
      entries: [
        { entryId: "e_aaaa", body: "one", kind: "update", pinned: false },
        { entryId: "e_bbbb", body: "two", kind: "update", pinned: false },
      ],
    });
    expect(changes[1]).toEqual([{ type: "entries_added", count: 2 }]);
  });

  it("says which fields an edit changed, a correction's new kind, a pin apart from an edit, and names the entry as the summary did", () => {
    const { changes } = versions(
      create,
      add("e_aaaa", { headline: "Sirens" }),
      { type: "edit_entry", entryId: "e_aaaa", body: "All clear.", kind: "correction" },
      { type: "edit_entry", entryId: "e_aaaa", pinned: true },
      { type: "edit_entry", entryId: "e_aaaa", headline: "All clear", pinned: false },
      { type: "remove_entry", entryId: "e_aaaa" },
    );
    expect(changes[2]).toEqual([{ type: "entry_edited", entryId: "e_aaaa", label: "Sirens", fields: ["body", "kind"], kind: "correction" }]);
    expect(changes[3]).toEqual([{ type: "entry_pinned", entryId: "e_aaaa", label: "Sirens", pinned: true }]);
    expect(changes[4]).toEqual([
      { type: "entry_edited", entryId: "e_aaaa", label: "All clear", fields: ["headline"] },
      { type: "entry_pinned", entryId: "e_aaaa", label: "All clear", pinned: false },
    ]);
    expect(changes[5]).toEqual([{ type: "entry_removed", entryId: "e_aaaa", label: "All clear" }]);
  });

  it("reads an entry's label from a summary of the older wording, and leaves it out when there is none", () => {
    const removal = [{ op: "remove" as const, path: "/entries/e_aaaa" }, { op: "replace" as const, path: "/version", value: 9 }];
    expect(historyChanges(removal, 'Removed entry e_aaaa "Sirens"')).toEqual([{ type: "entry_removed", entryId: "e_aaaa", label: "Sirens" }]);
    expect(historyChanges(removal, "Removed an entry")).toEqual([{ type: "entry_removed", entryId: "e_aaaa" }]);
  });

  it("gives a figure's values when it is added or changed, and its label from the summary when the patch lacks it", () => {
    const figure = (order?: number): Operation => ({ type: "set_fact", factId: "f_injured", label: "Injured", value: "at least 11", source: "Police", ...(order ? { order } : {}) });
    const { changes } = versions(
      create,
      figure(),
      { type: "set_fact", factId: "f_killed", label: "Killed", value: "2" },
      { type: "set_fact", factId: "f_injured", label: "Injured", value: "at least 15", source: "Police" },
      { type: "set_fact", factId: "f_injured", label: "Hurt", value: "at least 15", source: "Police" },
      { type: "set_fact", factId: "f_injured", label: "Hurt", value: "at least 15", source: "Police", order: 2 },
      { type: "remove_fact", factId: "f_injured" },
      { type: "remove_fact", factId: "f_killed" },
    );
    expect(changes[1]).toEqual([{ type: "figure_set", factId: "f_injured", label: "Injured", added: true, value: "at least 11", source: "Police" }]);
    expect(changes[2]).toEqual([{ type: "figure_set", factId: "f_killed", label: "Killed", added: true, value: "2" }]);
    expect(changes[3]).toEqual([{ type: "figure_set", factId: "f_injured", label: "Injured", added: false, value: "at least 15" }]);
    expect(changes[4]).toEqual([{ type: "figure_set", factId: "f_injured", label: "Hurt", added: false }]);
    expect(changes[5]).toEqual([{ type: "figure_moved", label: "Hurt", order: 2 }]);
    expect(changes[6]).toEqual([{ type: "figure_removed", factId: "f_injured", label: "Hurt" }]);
    expect(changes[7]).toEqual([{ type: "figure_removed", label: "Killed" }]);
  });

  it("says what a photo takedown did to the entry that showed it", () => {
    const photo = { type: "image" as const, id: `m_${"1".repeat(32)}`, alt: "Smoke", width: 1600, height: 900 };
    const { changes } = versions(create, add("e_aaaa", { headline: "Smoke", media: [photo] }), { type: "take_down_media", mediaId: photo.id });
    expect(changes[2]).toEqual([{ type: "entry_edited", entryId: "e_aaaa", label: "Smoke", fields: ["media"] }]);
  });

  it("gives every version of any run of operations changes that fit the API's schema, and at least one", () => {
    const text = fc.string({ minLength: 1, maxLength: 20 });
    const id = fc.constantFrom("e_aaaa", "e_bbbb");
    const op: fc.Arbitrary<Operation> = fc.oneof(
      fc.record({ type: fc.constant("add_entry" as const), entryId: id, body: text, headline: text, kind: fc.constantFrom("update" as const, "breaking" as const), pinned: fc.boolean() }),
      fc.record({ type: fc.constant("edit_entry" as const), entryId: id, body: text, pinned: fc.boolean() }, { requiredKeys: ["type", "entryId"] }),
      fc.record({ type: fc.constant("remove_entry" as const), entryId: id }),
      fc.record({ type: fc.constant("set_fact" as const), factId: fc.constantFrom("f_a", "f_b"), label: text, value: text, order: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ type: fc.constant("remove_fact" as const), factId: fc.constantFrom("f_a", "f_b") }),
      fc.record({ type: fc.constant("update_story" as const), title: text, status: fc.constantFrom("live" as const, "ended" as const) }, { requiredKeys: ["type"] }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        let story = reduce(undefined, { ...create, at: at(0), author })!.snapshot;
        for (const [n, next] of ops.entries()) {
          let transition;
          try {
            transition = reduce(story, { ...next, at: at(n + 1), author });
          } catch {
            continue; // an edit of a missing entry, a figure too many: refused, no version
          }
          if (!transition) continue;
          story = transition.snapshot;
          const changes = historyChanges(transition.ops, transition.summary);
          expect(changes.length).toBeGreaterThan(0);
          for (const change of changes) expect(HistoryChange.safeParse(change).success).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
