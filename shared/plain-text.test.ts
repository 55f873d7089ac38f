import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LIMITS } from "./limits.js";
import { plainFirstLine } from "./plain-text.js";
import { fastestMs } from "./fastest-run.js";

/** The definition in regexes (quadratic on bracket runs, so only for short lines). */
function byRegex(body: string, max: number): string {
  const line = body.split(/\r?\n/).find((candidate) => candidate.trim() !== "") ?? "";
  const text = line
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*_#`]/g, "")
    .replace(/^\s*(?:>\s*)+/, "")
    .replace(/^\s*[-+]\s+/, "")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/** Characters and pieces that make Markdown link scanning work hard. */
const HOSTILE_PIECES = ["[", "]", "(", ")", "![", "](", "[](", "![a](", "\\", "\\]", "*", "_", "`", "#", "> ", "- ", " ", "a", "é", "\u{1F6A8}"];
const hostileText = (pieces: { minLength?: number; maxLength: number }) => fc.array(fc.constantFrom(...HOSTILE_PIECES), pieces).map((p) => p.join(""));

describe("plainFirstLine", () => {
  it("keeps link text and drops Markdown marks, quote and list markers", () => {
    expect(plainFirstLine("\n\n> **Fire** on [four floors](https://x.example) in `Obolon`\nmore", 140)).toBe("Fire on four floors in Obolon");
    expect(plainFirstLine("- ![map](https://x.example/m.png) of the [area](a) [not a link] (x)", 140)).toBe("map of the area [not a link] (x)");
    expect(plainFirstLine("  \r\n\r\n## Sirens\r\nnext", 140)).toBe("Sirens");
    expect(plainFirstLine("word ".repeat(60), 20)).toBe("word word word word…");
    expect(plainFirstLine(" \n \n", 20)).toBe("");
  });

  it("says exactly what the regexes say, on any text", () => {
    const lines = fc.array(fc.oneof(hostileText({ maxLength: 30 }), fc.constantFrom("\n", "\r\n", " \n")), { maxLength: 4 }).map((l) => l.join(""));
    fc.assert(
      fc.property(lines, fc.integer({ min: 1, max: 40 }), (body, max) => {
        expect(plainFirstLine(body, max)).toBe(byRegex(body, max));
      }),
      { numRuns: 2000 },
    );
  });

  it("takes linear time on any entry text: 10 000 hostile characters in well under 20 ms", () => {
    // A short pattern repeated to the longest body an entry may have: runs of `[` with no `]`,
    // `[](` with no `)`, `![a](`… (each took the regex 45–75 ms; a linear pass takes well under 1).
    fc.assert(
      fc.property(hostileText({ minLength: 1, maxLength: 6 }), (pattern) => {
        const body = pattern.repeat(Math.ceil(LIMITS.body / pattern.length)).slice(0, LIMITS.body);
        expect(fastestMs(() => plainFirstLine(body, 140))).toBeLessThan(20);
      }),
      { numRuns: 200 },
    );
  });
});
