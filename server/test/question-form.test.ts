/**
 * "Ask the newsroom" without JavaScript (issue 36): the live page's form, posted as a browser with
 * scripts off posts it, gets a page that reads the question back with a ticket; sent again with the
 * ticket (not too soon), the question is taken. A ticket lets in one question, for its own words and
 * story; the honeypot, the per-address limit and the story's switch hold here as for the API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "./hostile-assertions.js";
import { startServer, TOKEN, type TestServer } from "./harness.js";

const STORY = "questions-form";
const OTHER = "questions-form-other";
const WAIT_MS = 300;

describe("the question form without JavaScript", () => {
  let server: TestServer;
  let address = 0;
  const fresh = () => `192.0.2.${++address}`;
  const post = (fields: Record<string, string>, options: { from?: string; story?: string } = {}) =>
    fetch(`${server.url}/stories/${options.story ?? STORY}/questions`, {
      method: "POST",
      body: new URLSearchParams(fields).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": options.from ?? fresh() },
    });
  const page = async (res: Response) => ({ status: res.status, html: await res.text(), cache: res.headers.get("cache-control") });
  const ticketIn = (html: string) => /name="ticket" value="([^"]+)"/.exec(html)?.[1];
  const stored = async (story = STORY) => (await server.app.store.questions.list(story, 100)).map((q) => ({ text: q.text, name: q.name }));
  const confirmed = async (fields: Record<string, string>, from = fresh()) => {
    const first = await page(await post(fields, { from }));
    expect(first.status, first.html).toBe(200);
    const ticket = ticketIn(first.html);
    expect(ticket).toBeDefined();
    return { first, ticket: ticket!, from };
  };
  const afterTheWait = () => new Promise((resolve) => setTimeout(resolve, WAIT_MS + 50));

  beforeAll(async () => {
    server = await startServer({
      pages: true,
      env: { TRUST_PROXY: "loopback", QUESTIONS_PER_ADDRESS: "3" },
      questionCost: { work: { min: 1, max: 50 }, formWaitMs: WAIT_MS },
    });
    for (const id of [STORY, OTHER]) await server.app.service.createStory({ id, title: `Story ${id}`, summary: "" }, { author: { name: "Desk" } });
  });
  afterAll(() => server?.close());

  it("reads the question back with a ticket, asks for a moment more if sent at once, then takes it; no version made", async () => {
    const version = (await server.app.store.latest(STORY))!.version;
    // A textarea's line breaks come as CRLF; the question is stored with plain newlines.
    const { first, ticket, from } = await confirmed({ text: "Where are the shelters\r\nin Podil?", name: "Taras", website: "" });
    expect(first.html).toContain("Send this question?");
    expect(first.html).toContain("Where are the shelters\nin Podil?");
    expect(first.html).toContain("Asked by Taras");
    expect(first.cache).toBe("no-store");
    expect(await stored()).toEqual([]);

    const soon = await page(await post({ text: "Where are the shelters\r\nin Podil?", name: "Taras", ticket }, { from }));
    expect(soon.status).toBe(429);
    expect(soon.html).toContain("Just a moment");
    expect(ticketIn(soon.html)).toBe(ticket);
    expect(await stored()).toEqual([]);

    await afterTheWait();
    const sent = await page(await post({ text: "Where are the shelters\r\nin Podil?", name: "Taras", ticket }, { from }));
    expect(sent.status).toBe(202);
    expect(sent.html).toContain("Thank you: your question has reached the newsroom.");
    expect(await stored()).toEqual([{ text: "Where are the shelters\nin Podil?", name: "Taras" }]);
    expect((await server.app.store.latest(STORY))!.version).toBe(version);

    // Once only, on every node: the same ticket again is refused and stores nothing more.
    const replay = await page(await post({ text: "Where are the shelters\r\nin Podil?", name: "Taras", ticket }));
    expect(replay.status).toBe(409);
    expect(replay.html).toContain("This form has expired or was sent already.");
    expect(await stored()).toHaveLength(1);
  });

  it("refuses a ticket for other words or another story, a forged one, and a filled honeypot", async () => {
    const { ticket } = await confirmed({ text: "Is the water safe to drink?" });
    await afterTheWait();
    const refusals = [
      await post({ text: "Is the water safe to drink? Buy pills at example.com", ticket }),
      await post({ text: "Is the water safe to drink?", name: "Someone", ticket }),
      await post({ text: "Is the water safe to drink?", ticket }, { story: OTHER }),
      await post({ text: "Is the water safe to drink?", ticket: `${ticket.slice(0, -2)}xx` }),
      await post({ text: "Is the water safe to drink?", ticket: "not-a-ticket" }),
    ];
    for (const res of refusals) expect((await page(res)).status).toBe(400);
    const trapped = await page(await post({ text: "Is the water safe to drink?", website: "http://spam.example" }));
    expect([trapped.status, trapped.html.includes("This question was not taken.")]).toEqual([403, true]);
    expect([...(await stored()), ...(await stored(OTHER))].map((q) => q.text)).not.toContain("Is the water safe to drink?");
    // The ticket itself was never spent: its own words still go through.
    expect((await post({ text: "Is the water safe to drink?", ticket })).status).toBe(202);
  });

  it("gives the form back, filled in, when the question is not plain text; bad shapes are clean 4xx", async () => {
    const markup = await page(await post({ text: "Look <script>alert(1)</script> here", name: "Bo" }));
    expect(markup.status).toBe(400);
    expect(markup.html).toContain("Please write your question as plain text");
    expect(markup.html).not.toContain("<script>alert(1)");
    expect(markup.html).toContain("&lt;script>alert(1)&lt;/script>");
    expect(ticketIn(markup.html)).toBeUndefined();
    const direction = await page(await post({ text: "Is it \u202Eover\u202C?" }));
    expect(direction.status).toBe(400);

    const json = await fetch(`${server.url}/stories/${STORY}/questions`, { method: "POST", body: JSON.stringify({ text: "Hello there?" }), headers: { "content-type": "application/json" } });
    await expectError(json, 415, "unsupported_media_type");
    const huge = await fetch(`${server.url}/stories/${STORY}/questions`, {
      method: "POST",
      body: `text=${"a".repeat(20_000)}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    await expectError(huge, 413, "payload_too_large");
    const unknown = await fetch(`${server.url}/stories/no-such-story/questions`, { method: "POST", body: "text=Hello%20there%3F", headers: { "content-type": "application/x-www-form-urlencoded" } });
    await expectError(unknown, 404, "story_not_found");
    expect(await stored()).toHaveLength(2);
  });

  it("answers a flood of form posts from one address with a plain 429 before reading them, once past 30 in ten minutes", async () => {
    const from = fresh();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await post({ text: "<b>junk</b>" }, { from })).status);
    expect(new Set(statuses)).toEqual(new Set([400]));
    const flooded = await post({ text: "Is this one read at all?" }, { from });
    await expectError(flooded, 429, "rate_limited");
    expect(Number(flooded.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await post({ text: "Is this one read at all?" })).status).toBe(200); // another address goes on
  });

  it("holds the per-address limit, and says so when the desk has paused questions", async () => {
    const from = fresh();
    for (let i = 0; i < 3; i++) {
      const { ticket } = await confirmed({ text: `Question number ${i + 1} from one place?` }, from);
      await afterTheWait();
      expect((await post({ text: `Question number ${i + 1} from one place?`, ticket }, { from })).status).toBe(202);
    }
    const { ticket } = await confirmed({ text: "A fourth question from one place?" }, from);
    await afterTheWait();
    const fourth = await post({ text: "A fourth question from one place?", ticket }, { from });
    expect(fourth.status).toBe(429);
    expect(Number(fourth.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await fourth.text()).toContain("Many questions are arriving right now.");

    const paused = await fetch(`${server.url}/api/stories/${STORY}/question-settings`, {
      method: "PUT",
      body: JSON.stringify({ open: false }),
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    });
    expect(paused.status).toBe(200);
    const closed = await page(await post({ text: "Are you still there?" }));
    expect([closed.status, closed.html.includes("The newsroom is not taking questions on this story right now.")]).toEqual([409, true]);
  });
});
