import { describe, expect, it } from "vitest";
import { fromLocalInput, localInputValue, pickerBounds, zoneLabel } from "./schedule-time.js";

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
