import fc from "fast-check";
import jsonpatch from "fast-json-patch";
import { describe, expect, it } from "vitest";
import type { Operation, StampedOperation } from "./operations.js";
import { isTrimmed, listView, stripView, TICKER_TEXT_MAX, withoutRenderedHtml } from "./page-data.js";
import { plainFirstLine } from "./plain-text.js";
import { reduce, ReducerError } from "./reducer.js";
import type { Entry, Snapshot } from "./story.js";
import { latestView, viewPatch } from "./views.js";

const author = { name: "Desk" };
const stamp = (op: Operation, second: number): StampedOperation => ({ ...op, at: new Date(Date.UTC(2026, 4, 24, 1, 0, second)).toISOString(), author });
const created = reduce(undefined, stamp({ type: "create_story", storyId: "s", title: "T", summary: "" }, 0))!.snapshot;
const VIEW = 4;

/** What a strip item says of an entry (client/ticker/ticker-items.ts `tickerText`, less the byline fallback). */
const itemText = (entry: Entry) => entry.headline?.trim() || plainFirstLine(entry.body, TICKER_TEXT_MAX);

/** Bodies whose first line reads differently as plain text, and some that read the same taken twice. */
const BODIES = [
  "Crews are at the scene.",
  "Crews are at the scene. ".repeat(30),
  "\n\n> **Fire** on [four floors](https://x.example) in `Obolon`\nmore below",
  "- a *list* item\n- another",
  "![only a photo](https://x.example/a.png)",
  "5 \\* 3 is \\_fifteen\\_ [not a link]",
  "[[nested](https://a.example)](https://b.example) and `code`",
  "- - dashes and > quotes",
  "# Heading line\n\nParagraph",
];

const ids = Array.from({ length: 8 }, (_, n) => `e_${String.fromCharCode(97 + n).repeat(4)}`);
const entryId = fc.constantFrom(...ids);
const body = fc.constantFrom(...BODIES);
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant("add_entry" as const), entryId, body, headline: fc.constantFrom(undefined, "Headline"), kind: fc.constant("update" as const), pinned: fc.constantFrom(false, false, true) }, { requiredKeys: ["type", "entryId", "body", "kind", "pinned"] }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant("edit_entry" as const), entryId, body, headline: fc.constantFrom("", "Another headline"), pinned: fc.boolean() }, { requiredKeys: ["type", "entryId"] }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("remove_entry" as const), entryId }) },
);

function versions(operations: Operation[]): Snapshot[] {
  const states = [created];
  for (const [i, op] of operations.entries()) {
    try {
      const next = reduce(states.at(-1), stamp(op, i + 1));
      if (next) states.push(next.snapshot);
    } catch (error) {
      if (!(error instanceof ReducerError)) throw error; // an edit of a missing entry, an id used twice
    }
  }
  return states;
}

/** Applies a view's patch as the browser does: the stock library, every operation validated. */
const apply = (document: Snapshot, ops: jsonpatch.Operation[]) => jsonpatch.applyPatch(structuredClone(document), ops, true, false).newDocument;

describe("page data", () => {
  it("the strip's copy keeps every key, no HTML, and bodies no longer than what the item says", () => {
    let story = created;
    for (const [n, text] of BODIES.entries()) story = reduce(story, stamp({ type: "add_entry", entryId: ids[n % ids.length]! + n, body: text, kind: "update", pinned: false }, n + 1))!.snapshot;
    const strip = stripView(story);
    expect(Object.keys(strip.entries)).toEqual(Object.keys(story.entries));
    for (const [id, entry] of Object.entries(story.entries)) {
      const light = strip.entries[id]!;
      expect(Object.keys(light)).toEqual(Object.keys(entry));
      expect(light.html).toBe("");
      expect(itemText(light)).toBe(itemText(entry));
      expect(light.body.length).toBeLessThanOrEqual(Math.max(TICKER_TEXT_MAX, entry.body.length));
    }
    expect(strip.entries[`${ids[1]}1`]!.body.length).toBe(TICKER_TEXT_MAX); // the long one, cut
    expect(strip.entries[`${ids[6]}6`]!.body).toBe(BODIES[6]); // its plain text would be read as a link again: kept whole
    const { entries: _a, ...fields } = story;
    const { entries: _b, ...stripFields } = strip;
    expect(stripFields).toEqual(fields);
  });

  it("a page's light copy takes every patch of the view and says what the view says", () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 40 }), (operations) => {
        const states = versions(operations);
        let strip = stripView(latestView(states[0]!, VIEW));
        let live = withoutRenderedHtml(latestView(states[0]!, VIEW));
        // The embed list, listing none of the first view's entries: each keeps only what patches bring it.
        let list = listView(latestView(states[0]!, VIEW), new Set(), new Set());
        for (let i = 1; i < states.length; i++) {
          const ops = viewPatch(states[i - 1]!, states[i]!, "latest", VIEW);
          strip = apply(strip, ops);
          live = apply(live, ops);
          list = apply(list, ops);
          const view = latestView(states[i]!, VIEW);
          expect(Object.keys(strip.entries).sort()).toEqual(Object.keys(view.entries).sort());
          for (const entry of Object.values(view.entries)) {
            expect(itemText(strip.entries[entry.id]!)).toBe(itemText(entry));
            // The live page's copy differs only by the HTML it reads back from its markup.
            expect({ ...live.entries[entry.id]!, html: entry.html }).toEqual(entry);
            // The list's copy: whole, or trimmed and otherwise the same, to be fetched if listed.
            const listed = list.entries[entry.id]!;
            expect(isTrimmed(listed) ? { ...listed, body: entry.body, html: entry.html } : listed).toEqual(entry);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("the embed list's copy leaves out the HTML it renders, and the bodies of the entries it does not list", () => {
    let story = created;
    for (const [n, id] of ids.slice(0, 3).entries()) story = reduce(story, stamp({ type: "add_entry", entryId: id, body: `Body ${n}`, kind: "update", pinned: false }, n + 1))!.snapshot;
    const light = listView(story, new Set([ids[0]!, ids[1]!]), new Set([ids[1]!]));
    expect(light.entries[ids[0]!]).toBe(story.entries[ids[0]!]);
    expect(light.entries[ids[1]!]).toEqual({ ...story.entries[ids[1]!], html: "" });
    expect(light.entries[ids[2]!]).toEqual({ ...story.entries[ids[2]!], body: "", html: "" });
    // The rendered one's HTML the page reads back from its markup; the unlisted one it would fetch.
    expect([ids[0], ids[2]].map((id) => isTrimmed(light.entries[id!]!))).toEqual([false, true]);
    expect(story.entries[ids[1]!]!.html).toBe("<p>Body 1</p>"); // the view itself untouched
  });
});
