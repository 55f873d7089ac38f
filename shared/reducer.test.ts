import fc from "fast-check";
import jsonpatch from "fast-json-patch";
import { describe, expect, it } from "vitest";
import type { Operation, StampedOperation } from "./operations.js";
import { applyPatch } from "./patch.js";
import { reduce, ReducerError } from "./reducer.js";
import { Snapshot } from "./story.js";

const author = { name: "Desk" };
const at = (n: number) => new Date(Date.UTC(2026, 4, 24, 1, 0, n)).toISOString();
const stamp = (op: Operation, n: number): StampedOperation => ({ ...op, at: at(n), author });

const created = reduce(undefined, stamp({ type: "create_story", storyId: "s", title: "T", summary: "" }, 0))!.snapshot;

/** Random operations against a pool of entry ids, so edits and removals hit existing and missing entries. */
const entryIdArb = fc.constantFrom("e_aaaa", "e_bbbb", "e_cccc", "e_dddd");
const factIdArb = fc.constantFrom("f_a", "f_b", "f_c");
const kindArb = fc.constantFrom("update" as const, "breaking" as const, "correction" as const);
const textArb = fc.string({ minLength: 1, maxLength: 40 });
const operationArb: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ type: fc.constant("add_entry" as const), entryId: entryIdArb, body: textArb, kind: kindArb, pinned: fc.boolean() }),
  fc.record(
    {
      type: fc.constant("edit_entry" as const),
      entryId: entryIdArb,
      body: textArb,
      headline: fc.oneof(fc.constant(""), textArb),
      kind: kindArb,
      pinned: fc.boolean(),
    },
    { requiredKeys: ["type", "entryId"] },
  ),
  fc.record({ type: fc.constant("remove_entry" as const), entryId: entryIdArb }),
  // A batch (an import's): a few new entries at once, some with their own earlier time.
  fc.record({
    type: fc.constant("add_entries" as const),
    entries: fc.array(
      fc.record({ entryId: entryIdArb, body: textArb, kind: kindArb, pinned: fc.boolean(), createdAt: fc.integer({ min: 0, max: 59 }).map((n) => at(n)) }, { requiredKeys: ["entryId", "body", "kind", "pinned"] }),
      { maxLength: 3 },
    ),
  }),
  // Key figures (shared/fact-reducer.ts): creation, change, move and removal against a small pool.
  fc.record(
    { type: fc.constant("set_fact" as const), factId: factIdArb, label: textArb, value: textArb, source: textArb, order: fc.integer({ min: 1, max: 12 }) },
    { requiredKeys: ["type", "factId", "label", "value"] },
  ),
  fc.record({ type: fc.constant("remove_fact" as const), factId: factIdArb }),
  fc.record(
    { type: fc.constant("update_story" as const), title: textArb, summary: fc.string(), status: fc.constantFrom("live" as const, "ended" as const) },
    { requiredKeys: ["type"] },
  ),
);

describe("reduce: entry media", () => {
  const photo = (n: number) => ({ type: "image" as const, id: `m_${String(n).repeat(32)}`, alt: `Photo ${n}`, width: 1600, height: 900 });
  const video = { type: "embed" as const, provider: "youtube" as const, url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" };

  it("adds, reorders and removes media with a patch about media alone, and drops the key when none is left", () => {
    const added = reduce(created, stamp({ type: "add_entry", entryId: "e_pics", body: "x", kind: "update", pinned: false, media: [photo(1), video] }, 1))!;
    expect(added.snapshot.entries.e_pics!.media).toEqual([photo(1), video]);
    const reordered = reduce(added.snapshot, stamp({ type: "edit_entry", entryId: "e_pics", media: [video, photo(2), photo(1)] }, 2))!;
    expect(reordered.snapshot.entries.e_pics!.media).toEqual([video, photo(2), photo(1)]);
    expect(applyPatch(added.snapshot, reordered.ops)).toEqual(reordered.snapshot);
    const paths = reordered.ops.map((op) => op.path).filter((path) => !["/version", "/updatedAt", "/entries/e_pics/updatedAt", "/entries/e_pics/revision"].includes(path));
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(path).toMatch(/^\/entries\/e_pics\/media\//);
    // The same list again changes nothing and writes no version.
    expect(reduce(reordered.snapshot, stamp({ type: "edit_entry", entryId: "e_pics", media: [video, photo(2), photo(1)] }, 3))).toBeNull();
    const cleared = reduce(reordered.snapshot, stamp({ type: "edit_entry", entryId: "e_pics", media: [] }, 4))!;
    expect(cleared.snapshot.entries.e_pics).not.toHaveProperty("media");
    expect(cleared.ops.filter((op) => op.path.includes("media"))).toEqual([{ op: "remove", path: "/entries/e_pics/media" }]);
    // An edit of the text alone keeps the media as they are.
    const text = reduce(reordered.snapshot, stamp({ type: "edit_entry", entryId: "e_pics", body: "y" }, 5))!;
    expect(text.snapshot.entries.e_pics!.media).toEqual(reordered.snapshot.entries.e_pics!.media);
    expect(text.ops.some((op) => op.path.includes("media"))).toBe(false);
  });

  it("takes a photo down from every entry that shows it in one version, and changes nothing where it is not shown", () => {
    let story = created;
    const add = (entryId: string, media: (ReturnType<typeof photo> | typeof video)[], n: number) =>
      (story = reduce(story, stamp({ type: "add_entry", entryId, body: entryId, kind: "update", pinned: false, media }, n))!.snapshot);
    add("e_both", [photo(1), video, photo(2)], 1);
    add("e_only", [photo(1)], 2);
    add("e_other", [photo(2)], 3);
    const taken = reduce(story, stamp({ type: "take_down_media", mediaId: photo(1).id }, 4))!;
    expect(taken.snapshot.version).toBe(story.version + 1);
    expect(taken.snapshot.entries.e_both!.media).toEqual([video, photo(2)]);
    expect(taken.snapshot.entries.e_both!.revision).toBe(2);
    expect(taken.snapshot.entries.e_both!.updatedAt).toBe(at(4));
    expect(taken.snapshot.entries.e_only).not.toHaveProperty("media");
    expect(taken.snapshot.entries.e_other).toBe(story.entries.e_other);
    expect(applyPatch(story, taken.ops)).toEqual(taken.snapshot);
    expect(taken.summary).toBe("Photo taken down from 2 entries");
    expect(reduce(taken.snapshot, stamp({ type: "take_down_media", mediaId: photo(1).id }, 5))).toBeNull();
  });
});

describe("reduce", () => {
  it("emits patches that take each snapshot exactly to the next, one version at a time", () => {
    fc.assert(
      fc.property(fc.array(operationArb, { maxLength: 60 }), (operations) => {
        let snapshot = created;
        for (const [i, op] of operations.entries()) {
          let transition;
          try {
            transition = reduce(snapshot, stamp(op, i + 1));
          } catch (error) {
            expect(error).toBeInstanceOf(ReducerError); // e.g. editing an entry that is not there
            continue;
          }
          if (!transition) continue; // nothing changed: no version
          expect(transition.snapshot.version).toBe(snapshot.version + 1);
          expect(transition.ops.at(-1)).toEqual({ op: "replace", path: "/version", value: snapshot.version + 1 });
          // Our applier and a stock RFC 6902 implementation agree with the reducer.
          expect(applyPatch(snapshot, transition.ops)).toEqual(transition.snapshot);
          expect(jsonpatch.applyPatch(structuredClone(snapshot), transition.ops, true, false).newDocument).toEqual(transition.snapshot);
          Snapshot.parse(transition.snapshot);
          snapshot = transition.snapshot;
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never mutates the snapshot it is given", () => {
    const frozen = structuredClone(created);
    reduce(created, stamp({ type: "add_entry", entryId: "e_aaaa", body: "x", kind: "update", pinned: false }, 1));
    expect(created).toEqual(frozen);
  });

  it("creates a story at version 1 and refuses to create it twice", () => {
    expect(created).toMatchObject({ id: "s", version: 1, status: "live", entries: {} });
    expect(() => reduce(created, stamp({ type: "create_story", storyId: "s", title: "T", summary: "" }, 1))).toThrow(ReducerError);
    expect(() => reduce(undefined, stamp({ type: "remove_entry", entryId: "e_aaaa" }, 1))).toThrow(/No such story/);
  });

  it("refuses an entry past maxEntries, but still edits and removes at the cap", () => {
    const add = (entryId: string, at: number) => stamp({ type: "add_entry", entryId, body: "x", kind: "update", pinned: false }, at);
    const full = reduce(reduce(created, add("e_aaaa", 1), 2)!.snapshot, add("e_bbbb", 2), 2)!.snapshot;
    expect(() => reduce(full, add("e_cccc", 3), 2)).toThrow(expect.objectContaining({ code: "too_many_entries" }));
    expect(reduce(full, stamp({ type: "edit_entry", entryId: "e_aaaa", body: "y" }, 3), 2)?.snapshot.version).toBe(4);
    const room = reduce(full, stamp({ type: "remove_entry", entryId: "e_aaaa" }, 3), 2)!.snapshot;
    expect(Object.keys(reduce(room, add("e_cccc", 4), 2)!.snapshot.entries)).toEqual(["e_bbbb", "e_cccc"]);
  });

  describe("add_entries (a wire feed's or an import's batch)", () => {
    const entry = (entryId: string, extra: { createdAt?: string; pinned?: boolean } = {}) => ({ entryId, body: `Body of ${entryId}`, kind: "update" as const, pinned: false, ...extra });

    it("adds every entry in one version, each under its own id, at its own createdAt or the stamp's", () => {
      const story = reduce(created, stamp({ type: "add_entry", entryId: "e_live", body: "Live", kind: "update", pinned: false }, 30))!.snapshot;
      const added = reduce(story, stamp({ type: "add_entries", entries: [entry("e_old2", { createdAt: at(2) }), entry("e_old1", { createdAt: at(1) }), entry("e_now")] }, 40))!;
      expect(added.snapshot.version).toBe(story.version + 1);
      expect(added.snapshot.updatedAt).toBe(at(40));
      expect(added.summary).toBe("Added 3 entries");
      const { e_old1, e_old2, e_now } = added.snapshot.entries;
      expect([e_old1?.createdAt, e_old1?.updatedAt, e_old2?.createdAt, e_now?.createdAt]).toEqual([at(1), at(1), at(2), at(40)]);
      expect(e_old1).toMatchObject({ id: "e_old1", author, revision: 1, html: "<p>Body of e_old1</p>" });
      // One patch, a stock library's application of it gives the same snapshot.
      expect(jsonpatch.applyPatch(structuredClone(story), added.ops, true, false).newDocument).toEqual(added.snapshot);
      expect(added.ops.filter((op) => op.op === "add").map((op) => op.path)).toEqual(["/entries/e_old2", "/entries/e_old1", "/entries/e_now"]);
    });

    it("adds nothing when one entry cannot be added: an id taken, an id twice, or past maxEntries", () => {
      const story = reduce(created, stamp({ type: "add_entries", entries: [entry("e_aaaa"), entry("e_bbbb")] }, 1), 4)!.snapshot;
      const batch = (...ids: string[]) => stamp({ type: "add_entries", entries: ids.map((id) => entry(id)) }, 2);
      expect(() => reduce(story, batch("e_cccc", "e_aaaa"), 4)).toThrow(expect.objectContaining({ code: "entry_exists" }));
      expect(() => reduce(story, batch("e_cccc", "e_cccc"), 4)).toThrow(expect.objectContaining({ code: "entry_exists" }));
      const tooMany = (() => { try { reduce(story, batch("e_cccc", "e_dddd", "e_eeee"), 4); } catch (error) { return error; } })();
      expect(tooMany).toMatchObject({ code: "too_many_entries", message: "These 3 entries do not fit: this story holds 2 of at most 4; nothing was added." });
      expect(Object.keys(reduce(story, batch("e_cccc", "e_dddd"), 4)!.snapshot.entries)).toHaveLength(4);
      expect(Object.keys(story.entries)).toEqual(["e_aaaa", "e_bbbb"]);
    });

    it("writes no version for an empty batch, and names the one entry of a batch of one", () => {
      expect(reduce(created, stamp({ type: "add_entries", entries: [] }, 1))).toBeNull();
      expect(reduce(created, stamp({ type: "add_entries", entries: [{ ...entry("e_aaaa"), headline: "Sirens" }] }, 1))!.summary).toBe('Added "Sirens"');
    });
  });

  it("renders sanitized HTML from the Markdown body and counts every edit as a revision", () => {
    const added = reduce(created, stamp({ type: "add_entry", entryId: "e_aaaa", body: "**Sirens** <script>alert(1)</script>", kind: "breaking", pinned: false }, 1))!;
    const entry = added.snapshot.entries.e_aaaa!;
    expect(entry.html).toContain("<strong>Sirens</strong>");
    expect(entry.html).not.toContain("<script");
    expect(entry.revision).toBe(1);

    const pinned = reduce(added.snapshot, stamp({ type: "edit_entry", entryId: "e_aaaa", pinned: true }, 2))!;
    expect(pinned.snapshot.entries.e_aaaa).toMatchObject({ pinned: true, revision: 2, updatedAt: at(1) }); // not a text change
    expect(pinned.summary).toBe('Pinned "Sirens <script>alert(1)</script>"');

    const corrected = reduce(pinned.snapshot, stamp({ type: "edit_entry", entryId: "e_aaaa", body: "Sirens stopped", kind: "correction" }, 3))!;
    expect(corrected.snapshot.entries.e_aaaa).toMatchObject({ revision: 3, updatedAt: at(3), html: "<p>Sirens stopped</p>" });
    expect(corrected.summary).toBe('Edited "Sirens stopped" as a correction');
    expect(corrected.snapshot.updatedAt).toBe(at(3));
  });

  it("writes no version for an edit that changes nothing", () => {
    const added = reduce(created, stamp({ type: "add_entry", entryId: "e_aaaa", body: "x", headline: "h", kind: "update", pinned: false }, 1))!;
    expect(reduce(added.snapshot, stamp({ type: "edit_entry", entryId: "e_aaaa", body: "x", headline: "h" }, 2))).toBeNull();
    expect(reduce(added.snapshot, stamp({ type: "update_story", title: "T" }, 2))).toBeNull();
  });

  it("clears a headline edited to empty and removes entries from later snapshots", () => {
    const added = reduce(created, stamp({ type: "add_entry", entryId: "e_aaaa", body: "x", headline: "h", kind: "update", pinned: false }, 1))!;
    const cleared = reduce(added.snapshot, stamp({ type: "edit_entry", entryId: "e_aaaa", headline: "" }, 2))!;
    expect(cleared.snapshot.entries.e_aaaa).not.toHaveProperty("headline");
    const removed = reduce(cleared.snapshot, stamp({ type: "remove_entry", entryId: "e_aaaa" }, 3))!;
    expect(removed.snapshot.entries).toEqual({});
    expect(removed.ops).toContainEqual({ op: "remove", path: "/entries/e_aaaa" });
  });

  it("names entries in summaries by headline or the body's first line, never by id", () => {
    const add = (entryId: string, body: string, headline?: string) =>
      reduce(created, stamp({ type: "add_entry", entryId, body, ...(headline === undefined ? {} : { headline }), kind: "update", pinned: false }, 1))!.summary;
    expect(add("e_head", "Body text", "Air alert in Kyiv")).toBe('Added "Air alert in Kyiv"');
    expect(add("e_body", "\n**Explosions** heard in [Lviv](https://example.com/lviv).\nSecond line")).toBe('Added "Explosions heard in Lviv."');
    expect(add("e_long", "x", "A".repeat(80))).toBe(`Added "${"A".repeat(59)}…"`);
    expect(add("e_mark", "***")).toBe("Added an entry");
    const withEntry = reduce(created, stamp({ type: "add_entry", entryId: "e_gone", body: "Gone soon", kind: "update", pinned: false }, 1))!.snapshot;
    expect(reduce(withEntry, stamp({ type: "remove_entry", entryId: "e_gone" }, 2))!.summary).toBe('Removed "Gone soon"');
  });
});
