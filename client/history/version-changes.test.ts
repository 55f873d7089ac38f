import { describe, expect, it } from "vitest";
import type { Entry, Snapshot } from "../../shared/story.js";
import { changesBetween, wordDiff, type WordPart } from "./version-changes.js";

const T0 = "2026-05-24T01:00:00.000Z";

function entry(id: string, createdAt: string, fields: Partial<Entry> = {}): Entry {
  return {
    id,
    createdAt,
    updatedAt: createdAt,
    author: { name: "Night desk" },
    kind: "update",
    pinned: false,
    body: `Body of ${id}`,
    html: `<p>Body of ${id}</p>`,
    revision: 1,
    ...fields,
  };
}

function snapshot(version: number, entries: Entry[], fields: Partial<Snapshot> = {}): Snapshot {
  return {
    id: "kyiv-strikes",
    version,
    title: "Strikes on Kyiv",
    summary: "Overnight attack",
    status: "live",
    createdAt: T0,
    updatedAt: T0,
    entries: Object.fromEntries(entries.map((e) => [e.id, e])),
    language: "en",
    ...fields,
  };
}

/** The text a version had before (`"removed"`) or after (`"added"`) the change, rebuilt from parts. */
function side(parts: WordPart[], which: "before" | "after"): string {
  return parts.filter((p) => (which === "before" ? !p.added : !p.removed)).map((p) => p.text).join("");
}

const a = entry("e_aaaa", "2026-05-24T01:01:00.000Z", { headline: "Sirens in the capital" });
const b = entry("e_bbbb", "2026-05-24T01:02:00.000Z");
const c = entry("e_cccc", "2026-05-24T01:03:00.000Z");

describe("changesBetween", () => {
  it("reports version 1 as a created story with every entry added", () => {
    const changes = changesBetween(undefined, snapshot(1, [a, b]));
    expect(changes).toEqual([
      { kind: "story", field: "title", before: undefined, after: "Strikes on Kyiv" },
      { kind: "story", field: "summary", before: undefined, after: "Overnight attack" },
      { kind: "story", field: "status", before: undefined, after: "live" },
      { kind: "added", entry: b },
      { kind: "added", entry: a },
    ]);
  });

  it("leaves out an empty summary when the story is created", () => {
    const changes = changesBetween(undefined, snapshot(1, [], { summary: "" }));
    expect(changes.map((c) => c.kind === "story" && c.field)).toEqual(["title", "status"]);
  });

  it("reports a story's language when it is created in another than English, or moved to one", () => {
    expect(changesBetween(undefined, snapshot(1, [], { language: "uk" })).filter((c) => c.kind === "story" && c.field === "language")).toEqual([
      { kind: "story", field: "language", before: undefined, after: "uk" },
    ]);
    expect(changesBetween(snapshot(1, []), snapshot(2, [], { language: "ar" }))).toEqual([{ kind: "story", field: "language", before: "en", after: "ar" }]);
  });

  it("reports nothing between identical snapshots", () => {
    expect(changesBetween(snapshot(1, [a, b]), snapshot(2, [a, b]))).toEqual([]);
  });

  it("reports story field changes", () => {
    const changes = changesBetween(
      snapshot(4, [a]),
      snapshot(5, [a], { title: "Strikes on Kyiv and Lviv", summary: "Overnight attack", status: "ended" }),
    );
    expect(changes).toEqual([
      { kind: "story", field: "title", before: "Strikes on Kyiv", after: "Strikes on Kyiv and Lviv" },
      { kind: "story", field: "status", before: "live", after: "ended" },
    ]);
  });

  it("reports an added entry", () => {
    expect(changesBetween(snapshot(2, [a]), snapshot(3, [a, c]))).toEqual([{ kind: "added", entry: c }]);
  });

  it("reports a removed entry with its last content", () => {
    expect(changesBetween(snapshot(2, [a, b]), snapshot(3, [a]))).toEqual([{ kind: "removed", entry: b }]);
  });

  it("diffs an edited headline and body word by word", () => {
    const before = entry("e_edit", T0, { headline: "Three people injured", body: "Rescuers are working at the site in Obolon." });
    const after = {
      ...before,
      headline: "Five people injured",
      body: "Rescuers are still working at the site in Podil.",
      revision: 2,
      updatedAt: "2026-05-24T02:00:00.000Z",
    };
    const [change, ...rest] = changesBetween(snapshot(6, [before]), snapshot(7, [after]));
    expect(rest).toEqual([]);
    expect(change).toEqual({
      kind: "edited",
      entryId: "e_edit",
      headline: [{ text: "Three", removed: true }, { text: "Five", added: true }, { text: " people injured" }],
      body: [
        { text: "Rescuers are " },
        { text: "still ", added: true },
        { text: "working at the site in " },
        { text: "Obolon", removed: true },
        { text: "Podil", added: true },
        { text: "." },
      ],
    });
    if (change?.kind !== "edited" || !change.body) throw new Error("expected a body edit");
    expect(side(change.body, "before")).toBe(before.body);
    expect(side(change.body, "after")).toBe(after.body);
  });

  it("reports only the part of an entry that changed", () => {
    const edited = { ...b, body: "Body of e_bbbb, corrected", revision: 2 };
    const [change] = changesBetween(snapshot(2, [b]), snapshot(3, [edited]));
    expect(change).toMatchObject({ kind: "edited", entryId: "e_bbbb", headline: undefined });
    expect(change).not.toHaveProperty("kindChange");
    expect(change).not.toHaveProperty("pinChange");
  });

  it("treats a headline given or taken away as a headline edit", () => {
    const withHeadline = { ...b, headline: "Power cut", revision: 2 };
    expect(changesBetween(snapshot(2, [b]), snapshot(3, [withHeadline]))).toEqual([
      { kind: "edited", entryId: "e_bbbb", headline: [{ text: "Power cut", added: true }], body: undefined },
    ]);
    expect(changesBetween(snapshot(3, [withHeadline]), snapshot(4, [b]))).toEqual([
      { kind: "edited", entryId: "e_bbbb", headline: [{ text: "Power cut", removed: true }], body: undefined },
    ]);
  });

  it("reports kind and pin changes without a text diff", () => {
    const corrected = { ...a, kind: "correction" as const, pinned: true, revision: 2 };
    expect(changesBetween(snapshot(2, [a]), snapshot(3, [corrected]))).toEqual([
      {
        kind: "edited",
        entryId: "e_aaaa",
        headline: undefined,
        body: undefined,
        kindChange: { before: "update", after: "correction" },
        pinChange: { before: false, after: true },
      },
    ]);
  });

  it("ignores an edit that changed nothing a reader can see", () => {
    const touched = { ...a, revision: 2, updatedAt: "2026-05-24T03:00:00.000Z" };
    expect(changesBetween(snapshot(2, [a]), snapshot(3, [touched]))).toEqual([]);
  });

  it("orders story changes, then added, edited and removed entries", () => {
    const before = snapshot(8, [a, b]);
    const after = snapshot(9, [{ ...a, body: "Changed", revision: 2 }, c], { title: "New title" });
    expect(changesBetween(before, after).map((change) => change.kind)).toEqual(["story", "added", "edited", "removed"]);
  });
});

describe("wordDiff", () => {
  it("keeps unchanged text unflagged", () => {
    expect(wordDiff("same words", "same words")).toEqual([{ text: "same words" }]);
  });
});

describe("media changes", () => {
  const photo = { type: "image", id: `m_${"a".repeat(32)}`, alt: "Smoke over the river", width: 1600, height: 1067 } as const;
  const video = { type: "embed", provider: "youtube", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" } as const;

  it("reports an edit that only adds or removes photos and embeds", () => {
    const before = snapshot(2, [entry("e_aaaa", T0, { media: [photo] })]);
    const after = snapshot(3, [entry("e_aaaa", T0, { media: [video], revision: 2 })]);
    const [change] = changesBetween(before, after);
    expect(change).toMatchObject({
      kind: "edited",
      media: { changes: [{ change: "added", item: video }, { change: "removed", item: photo }], reordered: false },
    });
  });

  it("reports no media change when the media are the same", () => {
    const before = snapshot(2, [entry("e_aaaa", T0, { media: [photo] })]);
    const after = snapshot(3, [entry("e_aaaa", T0, { media: [{ ...photo }], body: "New body", revision: 2 })]);
    expect(changesBetween(before, after)[0]).not.toHaveProperty("media");
  });
});

describe("changesBetween: key figures", () => {
  const fact = (id: string, label: string, value: string, order: number, source?: string) => ({ id, label, value, order, updatedAt: T0, ...(source ? { source } : {}) });

  it("reports a figure's change, a new and a removed figure, and a reorder once", () => {
    const before = snapshot(2, [], { facts: { f_injured: fact("f_injured", "Injured", "at least 11", 1, "early reports"), f_killed: fact("f_killed", "Killed", "none", 2) } });
    const changed = snapshot(3, [], { facts: { f_injured: fact("f_injured", "Injured", "at least 15", 1, "National Police"), f_killed: fact("f_killed", "Killed", "none", 2) } });
    expect(changesBetween(before, changed)).toEqual([{ kind: "figure", before: before.facts!.f_injured, after: changed.facts!.f_injured }]);

    const moved = snapshot(4, [], { facts: { f_injured: { ...changed.facts!.f_injured!, order: 2 }, f_killed: { ...changed.facts!.f_killed!, order: 1 } } });
    expect(changesBetween(changed, moved)).toEqual([{ kind: "figures-reordered", labels: ["Killed", "Injured"] }]);

    // A removal closes the others up: that is no reorder.
    const removed = snapshot(5, [], { facts: { f_killed: { ...changed.facts!.f_killed!, order: 1 } } });
    expect(changesBetween(changed, removed)).toEqual([{ kind: "figure", before: changed.facts!.f_injured, after: undefined }]);
    expect(changesBetween(removed, changed).map((c) => c.kind)).toEqual(["figure"]);
  });
});
