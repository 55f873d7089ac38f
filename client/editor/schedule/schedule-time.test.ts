import { describe, expect, it } from "vitest";
import { countdown, fromLocalInput, localInputValue, pickerBounds, zoneLabel } from "./schedule-time.js";

describe("the schedule picker's local time", () => {
  it("turns a datetime-local value into the moment it means here, and back", () => {
    const iso = fromLocalInput("2026-05-24T14:30")!;
    expect(localInputValue(Date.parse(iso))).toBe("2026-05-24T14:30");
    expect(new Date(iso).getHours()).toBe(14);
  });

  it("reads nothing from an empty or broken value", () => {
    for (const value of ["", "2026-05-24", "14:30", "2026-05-24 14:30", "soon"]) expect(fromLocalInput(value)).toBeUndefined();
  });

  it("names the zone with its offset at that moment", () => {
    expect(zoneLabel(Date.UTC(2026, 0, 1))).toMatch(/^.+, UTC[+−]\d{2}:\d{2}$/);
  });

  it("offers from the next minute to thirty days ahead", () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const { min, max } = pickerBounds(now);
    expect(Date.parse(fromLocalInput(min)!)).toBe(now + 60_000);
    expect(Date.parse(fromLocalInput(max)!) - now).toBeLessThan(30 * 24 * 3600_000);
  });
});

describe("countdown", () => {
  it("counts seconds near the time, minutes and hours further out, days beyond", () => {
    expect(countdown(0, false, "en")).toBe("due now");
    expect(countdown(4_200, false, "en")).toBe("in 5 s");
    expect(countdown(245_000, false, "en")).toBe("in 4 min 05 s");
    expect(countdown(2 * 3600_000 + 3 * 60_000, false, "en")).toBe("in 2 h 03 min");
    expect(countdown(3 * 86_400_000 + 4 * 3600_000, false, "en")).toBe("in 3 days 4 h");
  });

  it("drops the seconds when motion is reduced, so the text changes once a minute", () => {
    expect(countdown(245_000, true, "en")).toBe("in 5 min");
    expect(countdown(30_000, true, "en")).toBe("in under a minute");
  });

  it("speaks the desk's language, with its plural forms", () => {
    expect(countdown(0, false, "uk")).toBe("саме час");
    expect(countdown(245_000, false, "uk")).toBe("через 4 хв 05 с");
    expect([1, 3, 5].map((days) => countdown(days * 86_400_000 + 3600_000, false, "uk"))).toEqual(["через 1 день 1 год", "через 3 дні 1 год", "через 5 днів 1 год"]);
    expect(countdown(30_000, true, "uk")).toBe("менш ніж за хвилину");
  });
});
