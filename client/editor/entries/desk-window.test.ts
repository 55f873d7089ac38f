import { describe, expect, it } from "vitest";
import type { Entry } from "../../../shared/story.js";
import { DESK_PAGE, deskWindow, matchesQuery } from "./desk-window.js";

const entry = (n: number, headline?: string): Entry => ({
  id: `e_${n}`, createdAt: "2026-05-24T01:00:00.000Z", updatedAt: "2026-05-24T01:00:00.000Z", author: { name: n % 2 ? "Olena" : "Taras" },
  kind: "update", pinned: false, ...(headline ? { headline } : {}), body: `Crews in district ${n}.`, html: "", revision: 1,
});

describe("the desk's window on a long story", () => {
  const entries = Array.from({ length: 2000 }, (_, n) => entry(n, n === 1993 ? "Ferry to the Islands suspended" : undefined));

  it("shows the first page in display order and counts them all", () => {
    const { shown, matching } = deskWindow(entries, "", DESK_PAGE);
    expect(shown).toEqual(entries.slice(0, DESK_PAGE));
    expect(matching).toBe(2000);
    expect(deskWindow(entries, "  ", 2 * DESK_PAGE).shown).toHaveLength(2 * DESK_PAGE);
  });

  it("finds an entry far down by every word of the query, in any case, in headline, text, byline or id", () => {
    expect(deskWindow(entries, "ferry ISLANDS", DESK_PAGE)).toEqual({ shown: [entries[1993]], matching: 1 });
    expect(deskWindow(entries, "ferry harbour", DESK_PAGE).matching).toBe(0);
    expect(matchesQuery(entries[7]!, "district 7")).toBe(true);
    expect(matchesQuery(entries[7]!, "olena")).toBe(true);
    expect(matchesQuery(entries[7]!, "e_7")).toBe(true);
    expect(deskWindow(entries, "taras", 10)).toMatchObject({ matching: 1000, shown: { length: 10 } });
  });
});
