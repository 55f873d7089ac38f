import { describe, expect, it } from "vitest";
import { logFormat } from "./log-output.js";
import { startupBanner } from "./startup-banner.js";

describe("log format", () => {
  it.each([
    ["auto", true, "pretty"],
    ["auto", false, "json"],
    ["json", true, "json"],
    ["json", false, "json"],
    ["pretty", false, "pretty"],
    ["pretty", true, "pretty"],
  ] as const)("LOG_FORMAT=%s with a terminal %s gives %s", (setting, tty, format) => {
    expect(logFormat(setting, tty)).toBe(format);
  });
});

describe("startup banner", () => {
  it("gives the reader, ticker and desk addresses and the first admin's one-time password", () => {
    expect(
      startupBanner({ url: "http://127.0.0.1:8080", storyId: "kyiv-strikes", firstAdmin: { username: "admin", password: "abcde-fghij-kmnop-qrstu-vwxyz" } }),
    ).toBe(
      [
        "",
        "  live-ticker is running on http://127.0.0.1:8080",
        "",
        "  Reader  http://127.0.0.1:8080/",
        "  Ticker  http://127.0.0.1:8080/stories/kyiv-strikes/ticker",
        "  Desk    http://127.0.0.1:8080/editor",
        "",
        '  Sign in to the desk as "admin" with this one-time password, then choose your own:',
        "      abcde-fghij-kmnop-qrstu-vwxyz",
        "  It is not shown again.",
        "",
        "",
      ].join("\n"),
    );
  });

  it("shows where a story id goes when there is no story, and no password when no account was made", () => {
    expect(startupBanner({ url: "http://[::1]:3000" })).toBe(
      [
        "",
        "  live-ticker is running on http://[::1]:3000",
        "",
        "  Reader  http://[::1]:3000/",
        "  Ticker  http://[::1]:3000/stories/<story-id>/ticker",
        "  Desk    http://[::1]:3000/editor",
        "",
        "",
      ].join("\n"),
    );
  });
});
