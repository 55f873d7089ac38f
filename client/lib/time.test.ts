import { describe, expect, it } from "vitest";
import { absoluteTime, clockTime, pageLocale, relativeTime } from "./time.js";

const at = "2026-05-24T01:10:00.000Z";
const now = (minutesLater: number) => Date.parse(at) + minutesLater * 60_000;
const en = { locale: "en-GB", timeZone: "UTC" };

describe("reader timestamps", () => {
  it.each([
    [0.5, "now"],
    [1, "1 min ago"],
    [42, "42 min ago"],
    [90, "01:10"], // earlier today: the time of day
    [60 * 30, "24 May, 01:10"], // another day: the date too
  ])("%s minutes later reads %j", (minutes, text) => {
    expect(relativeTime(at, { ...en, now: now(minutes) })).toBe(text);
  });

  it("writes an absolute time when it has no clock (the server's render, which a cache may keep)", () => {
    expect(relativeTime(at, en)).toBe("24 May, 01:10 UTC");
    expect(relativeTime(at, { locale: "en-GB", timeZone: "Europe/Kyiv" })).toBe("24 May, 04:10");
  });

  it("follows the reader's locale and time zone", () => {
    expect(clockTime(at, { locale: "en-US", timeZone: "Europe/Kyiv" })).toBe("04:10 AM");
    expect(relativeTime(at, { locale: "de-DE", timeZone: "UTC", now: now(5) })).toBe("vor 5 Min.");
    expect(absoluteTime(at, en)).toBe("24 May 2026, 01:10 UTC");
    expect(absoluteTime(at, { locale: "en-GB", timeZone: "Europe/Kyiv" })).toBe("24 May 2026, 04:10");
  });

  it.each([
    ["en", ["uk-UA", "uk"], "en"], // the page's language, not the browser's
    ["en", ["uk-UA", "en-GB"], "en-GB"], // the reader's regional English where they have one
    ["en-GB", ["en-US"], "en-US"],
    ["uk", ["en-US", "uk-UA"], "uk-UA"],
    ["zh-Hant", ["zh-CN"], "zh-Hant"], // the same language in another script is not the page's
    ["sr-Latn", ["sr-RS"], "sr-Latn"],
    ["en", [], "en"],
    ["en", ["not a tag!"], "en"],
    ["not a tag!", ["uk-UA"], "en"],
  ])("a %s page read by a browser preferring %j writes times in %s", (lang, preferred, locale) => {
    expect(pageLocale(lang, preferred)).toBe(locale);
  });

  it("writes an English page's times in English whatever the browser speaks", () => {
    expect(relativeTime(at, { locale: pageLocale("en", ["uk-UA"]), timeZone: "UTC", now: now(0) })).toBe("now");
  });
});
