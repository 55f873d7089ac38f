/**
 * Any entry text renders on every reader surface in time linear in its length (issue 12): the
 * surfaces that show a body's first line when an entry has no headline (the ticker and the embed's
 * items, the feeds' titles, the live page's JSON-LD), run on stories of hostile 10 000-character
 * bodies. The HTTP side of the same (pages and feeds served whole) is in hostile-rendering.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tickerText } from "../../client/ticker/ticker-items.js";
import { LIMITS } from "../../shared/limits.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { atomFeed } from "../feeds/atom.js";
import { jsonFeed } from "../feeds/json-feed.js";
import { liveBlogPosting } from "../pages/json-ld.js";
import { fastestMs } from "../../shared/fastest-run.js";

const PUBLIC_URL = "https://live.example.org";
const ENTRIES = 10;
const PIECES = ["[", "]", "(", ")", "![", "](", "[](", "![a](", "\\", "*", "_", "`", "#", "> ", "- ", " ", "a", "\u{1F6A8}"];

function storyOf(body: string): Snapshot {
  const entries: Record<string, Entry> = {};
  for (let n = 0; n < ENTRIES; n++) {
    const id = `e_${String(n).padStart(4, "0")}`;
    const at = new Date(Date.UTC(2026, 4, 24, 1, n)).toISOString();
    entries[id] = { id, createdAt: at, updatedAt: at, author: { name: "Desk" }, kind: "update", pinned: false, body, html: "<p>x</p>", revision: 1 };
  }
  const at = "2026-05-24T01:00:00.000Z";
  return { id: "slow", version: 1 + ENTRIES, title: "Slow", summary: "", status: "live", language: "en", createdAt: at, updatedAt: at, entries };
}

/** Every surface that reads entry bodies as text, once. */
function renderEverySurface(story: Snapshot): void {
  for (const entry of Object.values(story.entries)) tickerText(entry);
  liveBlogPosting(story, `${PUBLIC_URL}/stories/${story.id}`, PUBLIC_URL);
  const input = { snapshot: story, removed: [], publicUrl: PUBLIC_URL, limit: ENTRIES };
  jsonFeed(input);
  atomFeed(input);
}

describe("every reader surface on hostile entry text", () => {
  it(`renders ${ENTRIES} entries of 10 000 hostile characters in well under 200 ms`, () => {
    // Before: 45–75 ms per entry per surface for a run of `[` with no `]` (about 2.5 s here);
    // after: 1–30 ms, the slowest being runs of marks that every surface strips or escapes.
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 6 }), (pieces) => {
        const pattern = pieces.join("");
        const story = storyOf(pattern.repeat(Math.ceil(LIMITS.body / pattern.length)).slice(0, LIMITS.body));
        expect(fastestMs(() => renderEverySurface(story))).toBeLessThan(200);
      }),
      { numRuns: 50 },
    );
  });
});
