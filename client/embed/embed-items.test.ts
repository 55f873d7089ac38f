import { describe, expect, it } from "vitest";
import type { Entry } from "../../shared/story.js";
import { bodyAddsToLink } from "./embed-items.js";

const entry = (fields: Partial<Entry>): Entry => ({
  id: "e_a", createdAt: "2026-05-24T01:00:00.000Z", updatedAt: "2026-05-24T01:00:00.000Z",
  author: { name: "Desk" }, kind: "update", pinned: false, body: "Body", html: "<p>Body</p>", revision: 1, ...fields,
});

describe("the embed list's entries", () => {
  it("shows the body under a headline", () => {
    expect(bodyAddsToLink(entry({ headline: "Sirens", body: "Sirens." }))).toBe(true);
  });

  it("does not repeat a one-line body that already is the link's text", () => {
    expect(bodyAddsToLink(entry({ body: "Fire on **four floors** in Obolon." }))).toBe(false);
    expect(bodyAddsToLink(entry({ headline: "  ", body: "Fire in Obolon." }))).toBe(false);
  });

  it("shows the body when it says more than its first line, or more than plain text can", () => {
    expect(bodyAddsToLink(entry({ body: "Fire in Obolon.\n\nFour floors are burning." }))).toBe(true);
    expect(bodyAddsToLink(entry({ body: "Fire, [says the mayor](https://x.example)." }))).toBe(true);
    expect(bodyAddsToLink(entry({ body: "![A burning block](https://x.example/a.png)" }))).toBe(true);
    expect(bodyAddsToLink(entry({ body: "word ".repeat(60) }))).toBe(true); // the link shortens it
  });
});
