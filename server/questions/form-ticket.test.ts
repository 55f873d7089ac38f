import { describe, expect, it } from "vitest";
import { FORM_WAIT_MS, FormTicket } from "./form-ticket.js";
import { CHALLENGE_TTL_MS } from "./proof-of-work.js";

describe("the no-script form's ticket", () => {
  const tickets = new FormTicket("a secret");
  const words = { text: "Is the metro running?", name: "Oksana" };
  const at = Date.UTC(2026, 11, 7, 12);

  it("lets its own words in after the wait and before a challenge would expire, with a nonce of its own", () => {
    const ticket = tickets.issue("story", words, at);
    expect(tickets.verify(ticket, "story", words, at + FORM_WAIT_MS - 1)).toEqual({ refused: "too_soon" });
    const spent = tickets.verify(ticket, "story", words, at + FORM_WAIT_MS);
    expect(spent).toEqual({ nonce: expect.stringMatching(/^form:[\w-]{16}$/), expiresAt: at + CHALLENGE_TTL_MS });
    expect(tickets.verify(tickets.issue("story", words, at), "story", words, at + FORM_WAIT_MS)).not.toEqual(spent);
    expect(tickets.verify(ticket, "story", words, at + CHALLENGE_TTL_MS + 1)).toEqual({ refused: "expired" });
  });

  it("refuses other words, another story, another installation's secret, and anything not a ticket", () => {
    const ticket = tickets.issue("story", words, at);
    const later = at + FORM_WAIT_MS;
    for (const [given, story, asked] of [
      [ticket, "story", { text: words.text }],
      [ticket, "story", { ...words, text: "Is the metro running?!" }],
      [ticket, "other", words],
      [new FormTicket("another secret").issue("story", words, at), "story", words],
      [ticket.replace(/^[^.]+/, (issued) => (parseInt(issued, 36) - 60_000).toString(36)), "story", words],
      ["", "story", words],
      ["a.b.c.d", "story", words],
    ] as const) {
      expect(tickets.verify(given, story, asked, later)).toEqual({ refused: "invalid" });
    }
  });
});
