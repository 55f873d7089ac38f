import { describe, expect, it } from "vitest";
import type { StampedOperation } from "./operations.js";
import { reduce } from "./reducer.js";
import type { Snapshot } from "./story.js";
import { operationBetween } from "./story-replay.js";

const photo = (id: string) => ({ type: "image" as const, id, alt: `Photo ${id}`, width: 1600, height: 1067 });
const M1 = `m_${"1".repeat(32)}`;
const M2 = `m_${"2".repeat(32)}`;
const desk = { name: "Night desk" };
let minute = 0;
const stamp = () => ({ at: new Date(Date.UTC(2026, 11, 7, 3, minute++)).toISOString(), author: desk });

/** Every kind of operation the server writes, in a story's order. */
const script: StampedOperation[] = [
  { type: "create_story", storyId: "river-flood", title: "River flood", summary: "Water rising.", language: "uk", ...stamp() },
  { type: "add_entry", entryId: "e_aaaa", body: "Levels at **4 m**.", kind: "update", pinned: false, media: [photo(M1), photo(M2)], ...stamp() },
  { type: "add_entry", entryId: "e_bbbb", body: "From a reader.", headline: "Draft", kind: "update", pinned: false, byline: { name: "Olena K." }, ...stamp() },
  { type: "add_entry", entryId: "e_eeee", body: "Yes, until 22:00.", kind: "update", pinned: false, question: { text: "Is the bridge open?", name: "Taras" }, ...stamp() },
  { type: "add_entries", entries: [
    { entryId: "e_cccc", body: "Wire one.", kind: "update", pinned: false, createdAt: "2026-12-06T22:00:00.000Z" },
    { entryId: "e_dddd", body: "Wire two.", kind: "breaking", pinned: false, media: [photo(M2)] },
  ], ...stamp() },
  { type: "edit_entry", entryId: "e_aaaa", body: "Levels at **4.5 m**.", ...stamp() },
  { type: "edit_entry", entryId: "e_bbbb", pinned: true, ...stamp() },
  { type: "edit_entry", entryId: "e_bbbb", headline: "", kind: "correction", ...stamp() },
  { type: "take_down_media", mediaId: M2, ...stamp() },
  { type: "set_fact", factId: "f_level", label: "Level", value: "4.5 m", source: "Hydromet", ...stamp() },
  { type: "set_fact", factId: "f_evacuated", label: "Evacuated", value: "120", ...stamp() },
  { type: "set_fact", factId: "f_evacuated", label: "Evacuated", value: "120", order: 1, ...stamp() },
  { type: "remove_fact", factId: "f_level", ...stamp() },
  { type: "remove_entry", entryId: "e_cccc", ...stamp() },
  { type: "update_story", title: "River flood: day two", status: "ended", ...stamp() },
];

describe("operationBetween", () => {
  it("recovers, from each pair of versions, an operation that writes the very same next version", () => {
    let story: Snapshot | undefined;
    for (const operation of script) {
      const { snapshot: next, summary } = reduce(story, operation)!;
      const recovered = operationBetween(story, next, { at: operation.at, author: operation.author }, summary);
      expect(reduce(story, recovered)!.snapshot, `version ${next.version}`).toEqual(next);
      expect(recovered.type).toBe(operation.type === "add_entries" && operation.entries.length === 1 ? "add_entry" : operation.type);
      story = next;
    }
    expect(story!.version).toBe(script.length);
  });

  it("tells a photo's takedown from an edit that drops it by the version's history line", () => {
    let story: Snapshot | undefined;
    for (const operation of script.slice(0, 2)) story = reduce(story, operation)!.snapshot;
    const takedown: StampedOperation = { type: "take_down_media", mediaId: M2, ...stamp() };
    const { snapshot, summary } = reduce(story, takedown)!;
    const { at, author } = takedown;
    expect(operationBetween(story, snapshot, { at, author }, summary).type).toBe("take_down_media");
    expect(operationBetween(story, snapshot, { at, author }, 'Edited "Levels at 4 m."').type).toBe("edit_entry");
  });

  it("refuses a version no operation of this reducer writes", () => {
    const first = reduce(undefined, script[0]!)!.snapshot;
    const second = reduce(first, script[1]!)!.snapshot;
    const tampered = { ...second, entries: { e_aaaa: { ...second.entries.e_aaaa!, html: "<p>Rendered by another build</p>" } } };
    expect(() => operationBetween(first, tampered, { at: script[1]!.at, author: desk })).toThrow(/cannot be rebuilt/);
    const twoChanges = { ...second, title: "Another title" };
    expect(() => operationBetween(first, twoChanges, { at: script[1]!.at, author: desk })).toThrow(/cannot be rebuilt/);
  });
});
