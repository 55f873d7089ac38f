import { describe, expect, it } from "vitest";
import type { Entry, Snapshot } from "../../shared/story.js";
import { changesSince, readLastVisit, writeLastVisit } from "./last-visit.js";

const entry = (id: string, createdAt: string, updatedAt = createdAt, revision = 1): Entry => ({
  id, createdAt, updatedAt, revision, author: { name: "Desk" }, kind: "update", pinned: false, body: "x", html: "<p>x</p>",
});
const story: Snapshot = {
  id: "s", version: 9, title: "T", summary: "", status: "live", language: "en", createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T05:00:00Z",
  entries: {
    e_old1: entry("e_old1", "2026-01-01T01:00:00Z"),
    e_edit: entry("e_edit", "2026-01-01T01:00:00Z", "2026-01-01T04:00:00Z", 2),
    e_new1: entry("e_new1", "2026-01-01T04:30:00Z"),
  },
};

/** localStorage's interface over a Map, so the code under test runs as in a browser. */
function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() { return map.size; },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, v),
  };
}

describe("last visit", () => {
  it("marks entries added or revised since the version the reader last saw", () => {
    expect(changesSince({ version: 5, updatedAt: "2026-01-01T03:00:00Z" }, story)).toEqual({ e_edit: "updated", e_new1: "new" });
  });

  it("marks nothing on a first visit or when nothing changed", () => {
    expect(changesSince(undefined, story)).toEqual({});
    expect(changesSince({ version: 9, updatedAt: story.updatedAt }, story)).toEqual({});
  });

  it("remembers the version shown, and survives storage it cannot read", () => {
    const storage = memoryStorage();
    writeLastVisit(storage, story);
    expect(readLastVisit(storage, "s")).toEqual({ version: 9, updatedAt: story.updatedAt });
    storage.setItem("live-ticker:last-visit:s", "{not json");
    expect(readLastVisit(storage, "s")).toBeUndefined();
  });
});
