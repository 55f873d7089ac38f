import jsonpatch from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { PutFactBody } from "./api.js";
import { factsInOrder, newFactId } from "./facts.js";
import { FACT_LIMITS } from "./limits.js";
import type { Operation, StampedOperation } from "./operations.js";
import { applyPatch } from "./patch.js";
import { reduce, ReducerError, type Transition } from "./reducer.js";
import { Snapshot } from "./story.js";

const author = { name: "Desk" };
const at = (n: number) => new Date(Date.UTC(2026, 4, 24, 2, 0, n)).toISOString();
const stamp = (op: Operation, n: number): StampedOperation => ({ ...op, at: at(n), author });
const created = reduce(undefined, stamp({ type: "create_story", storyId: "s", title: "T", summary: "" }, 0))!.snapshot;

/** Applies one operation and checks what every version must be: +1, valid, and reached by its patch (ours and a stock applier). */
function step(snapshot: Snapshot, op: Operation, n: number): Transition {
  const transition = reduce(snapshot, stamp(op, n))!;
  expect(transition).not.toBeNull();
  expect(transition.snapshot.version).toBe(snapshot.version + 1);
  Snapshot.parse(transition.snapshot);
  expect(applyPatch(snapshot, transition.ops)).toEqual(transition.snapshot);
  expect(jsonpatch.applyPatch(structuredClone(snapshot), structuredClone(transition.ops)).newDocument).toEqual(transition.snapshot);
  return transition;
}
const put = (factId: string, fields: { label: string; value: string; source?: string; order?: number }): Operation => ({ type: "set_fact", factId, ...fields });
const nonVersionOps = (t: Transition) => t.ops.filter((op) => op.path !== "/version" && op.path !== "/updatedAt");

describe("key figures in the reducer", () => {
  it("adds the first figure as one add of /facts, then each change as one small replace", () => {
    const first = step(created, put("f_injured", { label: "Injured", value: "at least 11", source: "early reports" }), 1);
    expect(first.snapshot.facts).toEqual({
      f_injured: { id: "f_injured", label: "Injured", value: "at least 11", source: "early reports", order: 1, updatedAt: at(1) },
    });
    expect(nonVersionOps(first)).toEqual([{ op: "add", path: "/facts", value: first.snapshot.facts }]);
    expect(first.summary).toBe("Added figure Injured: at least 11 (early reports)");

    const changed = step(first.snapshot, put("f_injured", { label: "Injured", value: "at least 15", source: "National Police" }), 2);
    expect(changed.summary).toBe("Injured: at least 11 → at least 15 (National Police)");
    expect(nonVersionOps(changed).map((op) => op.path).sort()).toEqual(["/facts/f_injured/source", "/facts/f_injured/updatedAt", "/facts/f_injured/value"]);
    expect(JSON.stringify(changed.ops).length).toBeLessThan(400);
  });

  it("writes no version when a figure is put again as it is", () => {
    const first = step(created, put("f_killed", { label: "Killed", value: "none reported" }), 1);
    expect(reduce(first.snapshot, stamp(put("f_killed", { label: "Killed", value: "none reported" }), 2))).toBeNull();
  });

  it("drops the source when it is not given again", () => {
    const first = step(created, put("f_x", { label: "X", value: "1", source: "Police" }), 1);
    const second = step(first.snapshot, put("f_x", { label: "X", value: "1" }), 2);
    expect(second.snapshot.facts!.f_x).not.toHaveProperty("source");
    expect(second.summary).toBe("X: 1 → 1");
  });

  it("keeps figures numbered 1…n: a move replaces only the orders that changed and keeps updatedAt", () => {
    let snapshot = created;
    for (const [i, id] of ["f_a", "f_b", "f_c"].entries()) snapshot = step(snapshot, put(id, { label: id, value: String(i) }), i + 1).snapshot;
    expect(factsInOrder(snapshot.facts).map((fact) => [fact.id, fact.order])).toEqual([["f_a", 1], ["f_b", 2], ["f_c", 3]]);
    const moved = step(snapshot, put("f_c", { label: "f_c", value: "2", order: 1 }), 10);
    expect(factsInOrder(moved.snapshot.facts).map((fact) => [fact.id, fact.order])).toEqual([["f_c", 1], ["f_a", 2], ["f_b", 3]]);
    expect(moved.snapshot.facts!.f_c!.updatedAt).toBe(at(3)); // a move is not news
    expect(moved.summary).toBe("Moved figure f_c to position 1");
    expect(nonVersionOps(moved).every((op) => op.op === "replace" && op.path.endsWith("/order"))).toBe(true);
    // An order past the end goes last; an existing figure without order stays where it is.
    const last = step(moved.snapshot, put("f_c", { label: "f_c", value: "2", order: 12 }), 11);
    expect(factsInOrder(last.snapshot.facts).map((fact) => fact.id)).toEqual(["f_a", "f_b", "f_c"]);
    const renamed = step(last.snapshot, put("f_a", { label: "A", value: "0" }), 12);
    expect(renamed.snapshot.facts!.f_a!.order).toBe(1);
    expect(renamed.summary).toBe("Figure f_a renamed A");
  });

  it("removes a figure, closes up the others, and drops /facts with the last one", () => {
    let snapshot = created;
    snapshot = step(snapshot, put("f_a", { label: "A", value: "1" }), 1).snapshot;
    snapshot = step(snapshot, put("f_b", { label: "B", value: "2", source: "Air Force" }), 2).snapshot;
    const removed = step(snapshot, { type: "remove_fact", factId: "f_a" }, 3);
    expect(removed.summary).toBe("Removed figure A (was 1)");
    expect(removed.snapshot.facts).toEqual({ f_b: { ...snapshot.facts!.f_b!, order: 1 } });
    const none = step(removed.snapshot, { type: "remove_fact", factId: "f_b" }, 4);
    expect(none.snapshot).not.toHaveProperty("facts");
    expect(nonVersionOps(none)).toEqual([{ op: "remove", path: "/facts" }]);
    expect(() => reduce(none.snapshot, stamp({ type: "remove_fact", factId: "f_b" }, 5))).toThrow(expect.objectContaining({ code: "fact_not_found" }));
  });

  it(`refuses a figure past ${FACT_LIMITS.perStory}, but still changes the existing ones`, () => {
    let snapshot = created;
    for (let i = 0; i < FACT_LIMITS.perStory; i++) snapshot = step(snapshot, put(`f_${i}`, { label: `L${i}`, value: `${i}` }), i + 1).snapshot;
    const refused = () => reduce(snapshot, stamp(put("f_more", { label: "More", value: "1" }), 50));
    expect(refused).toThrow(ReducerError);
    expect(refused).toThrow(expect.objectContaining({ code: "too_many_facts" }));
    step(snapshot, put("f_0", { label: "L0", value: "changed" }), 51);
  });
});

describe("PutFactBody", () => {
  const field = (body: unknown) => {
    const result = PutFactBody.safeParse(body);
    return result.success ? undefined : result.error.issues.map((issue) => issue.path.join("."));
  };

  it("takes short one-line figures and treats an empty source as none", () => {
    expect(PutFactBody.parse({ label: " Injured ", value: "~250", source: "", order: 2 })).toEqual({ label: "Injured", value: "~250", order: 2 });
    expect(field({ label: "Поранені", value: "щонайменше 15", source: "Національна поліція" })).toBeUndefined();
    expect(field({ label: "جرحى", value: "\u200F15", source: "الشرطة" })).toBeUndefined(); // a mark, not an override
  });

  it("refuses hostile or oversized text, naming the field", () => {
    expect(field({ label: "x".repeat(10_000), value: "1" })).toEqual(["label"]);
    expect(field({ label: "Injured", value: "1".repeat(81) })).toEqual(["value"]);
    expect(field({ label: "Injured", value: "1", source: "s".repeat(81) })).toEqual(["source"]);
    expect(field({ label: "Injured", value: "\u202E51 tsael ta" })).toEqual(["value"]);
    expect(field({ label: "In\u2066jured\u2069", value: "1" })).toEqual(["label"]);
    expect(field({ label: "Injured\nKilled", value: "1" })).toEqual(["label"]);
    expect(field({ label: "\u200B ", value: "1" })).toEqual(["label"]);
    expect(field({ label: "Injured", value: "1", order: 0 })).toEqual(["order"]);
    expect(field({ label: "Injured", value: "1", order: 13 })).toEqual(["order"]);
    expect(field({ label: "Injured", value: "1", extra: true })).toEqual([""]);
    expect(field({ value: "1" })).toEqual(["label"]);
  });
});

describe("newFactId", () => {
  it("makes a readable, free id from the label", () => {
    expect(newFactId("Injured", [])).toBe("f_injured");
    expect(newFactId("Drones shot down", ["f_drones_shot_down"])).toBe("f_drones_shot_down_2");
    expect(newFactId("Поранені", [])).toMatch(/^f_[a-z0-9]{6}$/);
  });
});
