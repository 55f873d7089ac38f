import { describe, expect, it } from "vitest";
import { STORY_ID_PATTERN } from "../../shared/story.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { composerStorageKey, loadComposition, saveComposition, clearComposition } from "./entries/composer-store.js";
import { ApiFailure } from "./api.js";
import { describeConflict, ifMatchVersion, mergeEntry, targetUnchanged } from "./story/conflict.js";
import { asDraftConflict, DraftConflict } from "./drafts/draft-conflict.js";
import { saveKeys, submitWith } from "./forms.js";
import { STORY_ID_INPUT_PATTERN, USERNAME_INPUT_PATTERN } from "./accounts/input-patterns.js";
import { parseRoute } from "./route.js";

const at = "2026-05-24T01:00:00.000Z";
const entry = (id: string, fields: Partial<Entry> = {}): Entry => ({
  id, createdAt: at, updatedAt: at, author: { name: "Desk" }, kind: "update", pinned: false, body: `Body of ${id}`, html: "", revision: 1, ...fields,
});
const story = (version: number, entries: Entry[], fields: Partial<Snapshot> = {}): Snapshot => ({
  id: "s", version, title: "Title", summary: "", status: "live", language: "en", createdAt: at, updatedAt: at,
  entries: Object.fromEntries(entries.map((e) => [e.id, e])), ...fields,
});

class MemoryStorage {
  map = new Map<string, string>();
  getItem(key: string) { return this.map.get(key) ?? null; }
  setItem(key: string, value: string) { this.map.set(key, value); }
  removeItem(key: string) { this.map.delete(key); }
}

describe("conflicts", () => {
  const a = entry("e_aaaa1111", { headline: "Sirens" });
  const base = story(5, [a]);

  it("rebases onto the live version only when the target is untouched", () => {
    const otherAdded = story(6, [a, entry("e_bbbb2222")]);
    expect(ifMatchVersion({ type: "entry", entryId: a.id }, base, otherAdded)).toBe(6);
    const sameEdited = story(6, [{ ...a, body: "Changed", revision: 2 }]);
    expect(ifMatchVersion({ type: "entry", entryId: a.id }, base, sameEdited)).toBe(5);
    expect(ifMatchVersion({ type: "story", fields: ["title"] }, base, story(6, [a], { summary: "x" }))).toBe(6);
    expect(ifMatchVersion({ type: "story", fields: ["title"] }, base, story(6, [a], { title: "New" }))).toBe(5);
    expect(ifMatchVersion({ type: "new-entry" }, base, story(6, [a], { status: "ended" }))).toBe(5);
    expect(ifMatchVersion({ type: "new-entry" }, base, undefined)).toBe(5);
    expect(ifMatchVersion({ type: "new-entry" }, story(7, [a]), story(6, [a]))).toBe(7);
  });

  it("treats a removed entry as changed", () => {
    expect(targetUnchanged({ type: "entry", entryId: a.id }, base, story(6, []))).toBe(false);
  });

  it("describes their change to the same entry and everything else", () => {
    const latest = story(8, [{ ...a, headline: "Sirens again", body: "New text", revision: 2 }, entry("e_cccc3333", { headline: "Power cut" })], { status: "ended" });
    const report = describeConflict({ type: "entry", entryId: a.id }, base, latest);
    expect(report.version).toBe(8);
    expect(report.targetChanged).toBe(true);
    expect(report.entry?.before).toMatchObject({ headline: "Sirens", body: `Body of ${a.id}` });
    expect(report.entry?.now).toMatchObject({ headline: "Sirens again", body: "New text" });
    expect(report.others).toEqual(["The story was marked as ended.", "1 new update: “Power cut”."]);
  });

  it("describes story field changes", () => {
    const report = describeConflict({ type: "story", fields: ["title", "summary"] }, base, story(6, [a], { title: "Their title" }));
    expect(report.fields).toEqual([{ field: "title", before: "Title", now: "Their title" }]);
    expect(report.others).toEqual([]);
  });

  it("says when the entry was removed", () => {
    const report = describeConflict({ type: "entry", entryId: a.id }, base, story(6, []));
    expect(report.entry?.now).toBeUndefined();
    expect(report.targetChanged).toBe(true);
  });
});

describe("composer storage", () => {
  it("keeps text and key per story and forgets blank compositions", () => {
    const storage = new MemoryStorage();
    const first = loadComposition(storage, "s");
    expect(first).toMatchObject({ headline: "", body: "", kind: "update", pinned: false });
    expect(first.key).toMatch(/^[0-9a-f-]{36}$/);
    saveComposition(storage, "s", { ...first, body: "Draft text", kind: "breaking" });
    expect(storage.map.has(composerStorageKey("s"))).toBe(true);
    expect(composerStorageKey("s")).toBe("live-ticker:composer:s");
    expect(loadComposition(storage, "s")).toEqual({ ...first, body: "Draft text", kind: "breaking" });
    expect(loadComposition(storage, "other").body).toBe("");
    saveComposition(storage, "s", { ...first, body: "  " });
    expect(storage.map.size).toBe(0);
    saveComposition(storage, "s", { ...first, body: "x" });
    clearComposition(storage, "s");
    expect(storage.map.size).toBe(0);
  });

  it("survives garbage and a missing storage", () => {
    const storage = new MemoryStorage();
    storage.setItem(composerStorageKey("s"), "{not json");
    expect(loadComposition(storage, "s").body).toBe("");
    storage.setItem(composerStorageKey("s"), JSON.stringify({ body: 3, kind: "weird", key: "" }));
    expect(loadComposition(storage, "s")).toMatchObject({ body: "", kind: "update" });
    expect(loadComposition(undefined, "s").body).toBe("");
  });
});

describe("routes and limits", () => {
  it("parses the desk's hashes and ignores entry anchors", () => {
    expect(parseRoute("")).toEqual({ view: "stories" });
    expect(parseRoute("#story=kyiv-strikes")).toEqual({ view: "stories", storyId: "kyiv-strikes" });
    expect(parseRoute("#story=Bad Id")).toEqual({ view: "stories" });
    expect(parseRoute("#admin")).toEqual({ view: "admin" });
    expect(parseRoute("#e_7Gh2kQ9x")).toBeUndefined();
  });

  it("writes the data model's patterns as input patterns that accept exactly the same", () => {
    // As browsers compile a pattern attribute: anchored, with the v flag.
    const asInput = (pattern: string) => new RegExp(`^(?:${pattern})$`, "v");
    for (const id of ["kyiv-strikes", "a", "0-day", "a".repeat(64), "A", "-a", "a_b", "a".repeat(65), ""]) {
      expect(asInput(STORY_ID_INPUT_PATTERN).test(id), id).toBe(STORY_ID_PATTERN.test(id));
    }
    const username = /^[a-z0-9][a-z0-9._-]{1,31}$/; // the editor API contract
    for (const name of ["ada", "a.b_c-d", "a", "Ada", ".ab", "a".repeat(32), "a".repeat(33)]) {
      expect(asInput(USERNAME_INPUT_PATTERN).test(name), name).toBe(username.test(name));
    }
  });
});

describe("form plumbing", () => {
  const keyEvent = (key: string, mods: { ctrlKey?: boolean; metaKey?: boolean } = {}) => {
    let prevented = false;
    return { event: { key, ctrlKey: false, metaKey: false, ...mods, preventDefault: () => (prevented = true) } as unknown as KeyboardEvent, prevented: () => prevented };
  };

  it("submits without leaving the page", () => {
    let prevented = false;
    let runs = 0;
    submitWith(() => runs++)({ preventDefault: () => (prevented = true) } as unknown as SubmitEvent);
    expect([prevented, runs]).toEqual([true, 1]);
  });

  it("saves on Ctrl/Cmd+Enter and cancels on Escape only where there is a cancel", () => {
    const calls: string[] = [];
    const withCancel = saveKeys(() => calls.push("save"), () => calls.push("cancel"));
    const ctrl = keyEvent("Enter", { ctrlKey: true });
    withCancel(ctrl.event);
    withCancel(keyEvent("Enter", { metaKey: true }).event);
    const plain = keyEvent("Enter");
    withCancel(plain.event);
    withCancel(keyEvent("Escape").event);
    saveKeys(() => calls.push("save only"))(keyEvent("Escape").event);
    expect(calls).toEqual(["save", "save", "cancel"]);
    expect([ctrl.prevented(), plain.prevented()]).toEqual([true, false]);
  });
});

describe("mergeEntry", () => {
  const base = { headline: "Toll", body: "At least 11 people were hurt.", kind: "update" as const, pinned: false, media: [] };

  it("keeps both editors' changes when they touch different things", () => {
    const mine = { ...base, body: "At least 15 people were hurt.", kind: "correction" as const };
    const theirs = { ...base, headline: "Toll rises", body: "At least 11 people were hurt. Two are in hospital.", pinned: true };
    expect(mergeEntry(base, mine, theirs)).toEqual({
      headline: "Toll rises",
      body: "At least 15 people were hurt. Two are in hospital.",
      kind: "correction",
      pinned: true,
      media: [],
    });
  });

  it("gives up when both changed the same words, or the kind to different values", () => {
    expect(mergeEntry(base, { ...base, body: "At least 15 people were hurt." }, { ...base, body: "At least 12 people were hurt." })).toBeUndefined();
    expect(mergeEntry(base, { ...base, kind: "breaking" }, { ...base, kind: "correction" })).toBeUndefined();
  });
});

describe("draft conflicts", () => {
  const failure = (status: number, code: string, details?: unknown) => new ApiFailure(status, code, "server text", details);
  const said = (error: unknown) => {
    const conflict = asDraftConflict(error);
    expect(conflict).toBeInstanceOf(DraftConflict);
    expect((conflict as DraftConflict).cause).toBe(error);
    expect((conflict as DraftConflict).changed).toBe(["precondition_failed", "draft_changed"].includes((error as ApiFailure).code));
    return (conflict as DraftConflict).message;
  };
  it("tells the editor who got there first, or that the draft changed", () => {
    expect(said(failure(409, "draft_published", { by: { name: "Olena" }, at }))).toBe("This draft was already published by Olena.");
    expect(said(failure(409, "draft_discarded", { by: { name: "Ed" }, at }))).toBe("This draft was discarded by Ed.");
    expect(said(failure(409, "draft_published"))).toBe("This draft was already published.");
    expect(said(failure(412, "precondition_failed", { currentRevision: 3 }))).toBe("Someone changed this draft after you opened it.");
    expect(said(failure(409, "draft_changed", { currentRevision: 3 }))).toBe("Someone changed this draft after you opened it.");
    expect(said(failure(404, "draft_not_found"))).toMatch(/no longer there/);
  });
  it("leaves every other failure as it was", () => {
    const invalid = failure(400, "validation_failed");
    expect(asDraftConflict(invalid)).toBe(invalid);
    const offline = new Error("offline");
    expect(asDraftConflict(offline)).toBe(offline);
  });
});

describe("conflicts on key figures", () => {
  const fact = (value: string, order = 1) => ({ id: "f_injured", label: "Injured", value, order, updatedAt: "2026-05-24T01:00:00.000Z" });
  const other = { id: "f_killed", label: "Killed", value: "none", order: 2, updatedAt: "2026-05-24T01:00:00.000Z" };
  const base = story(5, [], { facts: { f_injured: fact("at least 11"), f_killed: other } });
  const target = { type: "fact" as const, factId: "f_injured" };

  it("sends the live version when only another figure or a move changed, the base when this figure changed", () => {
    const otherChanged = story(6, [], { facts: { f_injured: fact("at least 11", 2), f_killed: { ...other, value: "1", order: 1 } } });
    expect(ifMatchVersion(target, base, otherChanged)).toBe(6);
    expect(describeConflict(target, base, otherChanged).others).toEqual(["Key figure changed: “Killed”."]);
    const sameChanged = story(6, [], { facts: { f_injured: fact("at least 15"), f_killed: other } });
    expect(ifMatchVersion(target, base, sameChanged)).toBe(5);
    expect(describeConflict(target, base, sameChanged)).toMatchObject({ targetChanged: true, figure: { before: fact("at least 11"), now: fact("at least 15") } });
    const removed = story(6, [], { facts: { f_killed: other } });
    expect(targetUnchanged(target, base, removed)).toBe(false);
    // A new figure conflicts only with someone else creating the same id.
    expect(targetUnchanged({ type: "fact", factId: "f_new" }, base, sameChanged)).toBe(true);
  });
});
