import { describe, expect, it } from "vitest";
import { judgePublishAt, MAX_SCHEDULE_MS, nextPollDelay } from "./schedule.js";

const NOW = Date.UTC(2026, 4, 24, 12, 0, 0);

describe("judgePublishAt", () => {
  it("takes an ISO time with its zone, in the future and within 30 days, and gives it back in UTC", () => {
    expect(judgePublishAt("2026-05-24T15:30:00+04:00", NOW)).toEqual({ ok: false, message: "publishAt must be in the future." });
    expect(judgePublishAt("2026-05-24T16:30+03:00", NOW)).toEqual({ ok: true, publishAt: "2026-05-24T13:30:00.000Z" });
    expect(judgePublishAt("2026-05-24T12:00:01Z", NOW)).toEqual({ ok: true, publishAt: "2026-05-24T12:00:01.000Z" });
    expect(judgePublishAt(new Date(NOW + MAX_SCHEDULE_MS).toISOString(), NOW).ok).toBe(true);
    expect(judgePublishAt(new Date(NOW + MAX_SCHEDULE_MS + 1000).toISOString(), NOW)).toEqual({ ok: false, message: "publishAt must be at most 30 days ahead." });
  });

  it("refuses times without a zone, impossible dates and anything not a string", () => {
    for (const value of ["2026-05-25T10:00:00", "2026-02-30T10:00:00Z", "2026-05-25T24:00:00Z", "2026-05-25T10:61Z", "2026-05-25", "tomorrow", "", 1_800_000_000_000, null, {}]) {
      const judged = judgePublishAt(value, NOW);
      expect(judged.ok, String(value)).toBe(false);
      expect(!judged.ok && judged.message).toMatch(/^publishAt must be an ISO 8601 time/);
    }
  });
});

describe("nextPollDelay", () => {
  it("sleeps until the next due time, never longer than the poll interval, never negative", () => {
    expect(nextPollDelay(undefined, NOW, 1000)).toBe(1000);
    expect(nextPollDelay(new Date(NOW + 250).toISOString(), NOW, 1000)).toBe(250);
    expect(nextPollDelay(new Date(NOW + 60_000).toISOString(), NOW, 1000)).toBe(1000);
    expect(nextPollDelay(new Date(NOW - 5000).toISOString(), NOW, 1000)).toBe(0);
  });
});
