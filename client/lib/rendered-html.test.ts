import { describe, expect, it } from "vitest";
import type { Entry, Snapshot } from "../../shared/story.js";
import { withRenderedHtml } from "./rendered-html.js";

const entry = (id: string, html: string): Entry => ({
  id, createdAt: "2026-05-24T01:00:00.000Z", updatedAt: "2026-05-24T01:00:00.000Z", author: { name: "Desk" },
  kind: "update", pinned: false, body: "b", html, revision: 1,
});

describe("withRenderedHtml", () => {
  it("takes each left-out entry's HTML from its rendered body, without Svelte's block marks", () => {
    const snapshot = { id: "s", entries: { e_aaaa: entry("e_aaaa", ""), e_bbbb: entry("e_bbbb", "<p>kept</p>"), e_cccc: entry("e_cccc", "") } } as unknown as Snapshot;
    // The markup as a browser serializes what Svelte rendered on the server (the first mark may carry a hash).
    const rendered: Record<string, { innerHTML: string }> = {
      e_aaaa: { innerHTML: "<!--1x2y--><p>Fire on <strong>four</strong> floors &amp; more.</p>\n<p>Second</p><!---->" },
      e_bbbb: { innerHTML: "<!----><p>not read</p><!---->" },
    };
    const whole = withRenderedHtml(snapshot, (id) => rendered[id] as unknown as Element | undefined);
    expect(whole.entries.e_aaaa!.html).toBe("<p>Fire on <strong>four</strong> floors &amp; more.</p>\n<p>Second</p>");
    expect(whole.entries.e_bbbb).toBe(snapshot.entries.e_bbbb); // it came with its HTML
    expect(whole.entries.e_cccc!.html).toBe(""); // not in the page: left as it came
    expect(snapshot.entries.e_aaaa!.html).toBe(""); // the page data itself untouched
  });
});
