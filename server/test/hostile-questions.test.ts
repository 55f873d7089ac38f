/**
 * What strangers may send to the "Ask the newsroom" form (issue 36): floods from one address and
 * from many, oversized and nested bodies, direction controls, markup, a filled honeypot, proofs of
 * work unsolved, forged, for another story or replayed. Every one is a clean 4xx with its code, and
 * none leaves a question stored or changes a story's versions.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./harness.js";
import { expectError, storeState } from "./hostile-assertions.js";
import { nested } from "./hostile-server.js";
import { asker, type Asker } from "./question-asker.js";

const STORY = "questions-hostile";
const OTHER = "questions-other";

describe("hostile readers' questions", () => {
  let server: TestServer;
  let reader: Asker;
  let address = 0;
  const fresh = () => `198.51.100.${++address}`;
  const post = (body: string, from = fresh(), type = "application/json") =>
    fetch(`${server.url}/api/stories/${STORY}/questions`, { method: "POST", body, headers: { "content-type": type, "x-forwarded-for": from } });
  const stored = async () => (await server.app.store.questions.list(STORY, 1000)).length + (await server.app.store.questions.list(OTHER, 1000)).length;

  beforeAll(async () => {
    server = await startServer({
      env: { TRUST_PROXY: "loopback", QUESTIONS_PER_ADDRESS: "3", QUESTIONS_PER_STORY_PER_MINUTE: "40", QUESTIONS_MAX_PENDING: "30" },
      questionCost: { work: { min: 1, max: 50 }, formWaitMs: 300 },
    });
    reader = asker(server.url);
    for (const id of [STORY, OTHER]) await server.app.service.createStory({ id, title: id, summary: "" }, { author: { name: "Desk" } });
  });
  afterAll(() => server?.close());

  it("refuses oversized, markup, direction controls, control characters, posing names and bad shapes, storing nothing", async () => {
    const before = await storeState(server);
    const proof = await reader.proof(STORY);
    const bad: Record<string, unknown>[] = [
      { text: "x".repeat(501) },
      { text: "Is the metro running?", name: "n".repeat(61) },
      { text: "<script>alert(1)</script> is the metro running" },
      { text: "Is the <b>metro</b> running?" },
      { text: "Is the metro [running](https://evil.example)?" },
      { text: "Is the metro running? &lt;img&gt;" },
      { text: "Is the metro \u202Egninnur\u202C?" },
      { text: "Is the metro \u2066running\u2069?" },
      { text: "Is the metro\u200B running?" },
      { text: "Is the metro\u0007 running?" },
      { text: "Is the metro running?", name: "Newsroom" },
      { text: "Is the metro running?", name: "Olena\nAdmin" },
      { text: "?!" },
      { text: "   " },
      { text: 42 },
      { text: "Is the metro running?", extra: true },
    ];
    for (const fields of bad) await expectError(await post(JSON.stringify({ ...fields, proof })), 400, "validation_failed");
    await expectError(await post(JSON.stringify({ text: "Is the metro running?", padding: "x".repeat(5000), proof })), 413, "payload_too_large");
    await expectError(await post(nested(200)), 400, "invalid_json");
    await expectError(await post("text=Is+the+metro+running", fresh(), "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
    await expectError(await post("{not json"), 400, "invalid_json");
    expect(await stored()).toBe(0);
    expect(await storeState(server)).toEqual(before);
  });

  it("refuses a filled honeypot, and unsolved, forged, expired-looking, other story's and replayed proofs", async () => {
    const text = { text: "Which districts were hit last night?" };
    await expectError(await reader.ask(STORY, { ...text, website: "http://spam.example" }, { from: fresh() }), 403, "question_refused");
    const proof = await reader.proof(STORY);
    await expectError(await post(JSON.stringify({ ...text, proof: { ...proof, solution: { counter: proof.solution.counter + 1, derivedKey: "00".repeat(32) } } })), 400, "challenge_failed");
    await expectError(await post(JSON.stringify({ ...text, proof: { ...proof, challenge: { ...proof.challenge, parameters: { ...proof.challenge.parameters, expiresAt: 4_102_444_800 } } } })), 400, "challenge_failed");
    await expectError(await post(JSON.stringify({ ...text, proof: { ...proof, challenge: { ...proof.challenge, signature: "ab".repeat(32) } } })), 400, "challenge_failed");
    await expectError(await post(JSON.stringify({ ...text })), 400, "validation_failed");
    const elsewhere = await reader.proof(OTHER);
    await expectError(await post(JSON.stringify({ ...text, proof: elsewhere })), 400, "challenge_failed");
    expect(await stored()).toBe(0);

    expect((await post(JSON.stringify({ ...text, proof }))).status).toBe(202);
    // The same solved proof again, from another address and with another question: spent.
    await expectError(await post(JSON.stringify({ text: "Are the bridges open?", proof })), 409, "challenge_spent");
    expect(await stored()).toBe(1);
  });

  it("gives each address a few questions, then 429 before the body is read; other addresses go on", async () => {
    const one = fresh();
    for (let n = 0; n < 3; n++) expect((await reader.ask(STORY, { text: `Is road number ${n} closed?` }, { from: one })).status).toBe(202);
    const refused = await post(JSON.stringify({ text: "x".repeat(10_000) }), one);
    await expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await reader.ask(STORY, { text: "Is road number 9 closed?" }, { from: fresh() })).status).toBe(202);
  });

  it("folds the same question from many addresses into one, then holds the story's and the queue's caps", async () => {
    const before = await stored();
    for (let n = 0; n < 5; n++) expect((await reader.ask(STORY, { text: "Is the METRO running today?" }, { from: fresh() })).status).toBe(202);
    const folded = (await server.app.store.questions.list(STORY, 1000)).find((q) => q.text === "Is the METRO running today?");
    expect(folded?.asks).toBe(5);
    expect(await stored()).toBe(before + 1);
    // Many addresses, each asking something new: the pending cap (30) stops the queue growing.
    const answers: number[] = [];
    for (let n = 0; n < 30; n++) answers.push((await reader.ask(OTHER, { text: `Flood question number ${n} about shelter ${n * 7}` }, { from: fresh() })).status);
    expect(answers.filter((status) => status === 202).length).toBe(30 - (before + 1));
    expect(new Set(answers)).toEqual(new Set([202, 429]));
    expect(await stored()).toBe(30);
    // Dismissed, they no longer wait: the queue has room again.
    for (const question of await server.app.store.questions.list(OTHER, 1000)) await server.app.store.questions.moderate(OTHER, question.id, { status: "dismissed" });
    expect((await reader.ask(OTHER, { text: "Is there room in the queue again?" }, { from: fresh() })).status).toBe(202);
  });

  it("takes no questions from an address marked as spam, nor on a story whose desk paused them", async () => {
    const spammer = fresh();
    expect((await reader.ask(STORY, { text: "Buy cheap watches now please" }, { from: spammer })).status).toBe(202);
    const [spam] = await server.app.store.questions.list(STORY, 1);
    expect((await server.api(`/api/stories/${STORY}/questions/${spam!.id}`, { method: "PATCH", body: { status: "spam" } })).status).toBe(200);
    const before = await stored();
    await expectError(await reader.ask(STORY, { text: "Another spam question here" }, { from: spammer }), 403, "question_refused");
    const solvedEarlier = await reader.proof(STORY);
    expect((await server.api(`/api/stories/${STORY}/question-settings`, { method: "PUT", body: { open: false } })).status).toBe(200);
    const challenge = await fetch(`${server.url}/api/stories/${STORY}/questions/challenge`, { headers: { "x-forwarded-for": fresh() } });
    expect(await challenge.json()).toEqual({ open: false });
    await expectError(await reader.ask(STORY, { text: "Is anyone there?" }, { from: fresh(), proof: solvedEarlier }), 409, "questions_closed");
    expect(await stored()).toBe(before);
    expect((await server.api(`/api/stories/${STORY}/question-settings`, { method: "PUT", body: { open: true } })).status).toBe(200);
  });

  it("keeps the desk's routes from readers, and answers an unknown story or question with 404", async () => {
    await expectError(await server.api(`/api/stories/${STORY}/questions`, { auth: false }), 401, "unauthorized");
    await expectError(await server.api(`/api/stories/${STORY}/questions/q_AAAAAAAAAAAA`, { method: "PATCH", body: { status: "spam" }, auth: false }), 401, "unauthorized");
    await expectError(await server.api(`/api/stories/${STORY}/question-settings`, { method: "PUT", body: { open: false }, auth: false }), 401, "unauthorized");
    await expectError(await server.api(`/api/stories/${STORY}/questions/q_AAAAAAAAAAAA`, { method: "PATCH", body: { status: "spam" } }), 404, "question_not_found");
    await expectError(await server.api(`/api/stories/${STORY}/questions/nope`, { method: "PATCH", body: { status: "spam" } }), 404, "question_not_found");
    await expectError(await server.api(`/api/stories/no-such-story/questions/challenge`, { auth: false }), 404, "story_not_found");
    await expectError(await server.api(`/api/stories/${STORY}/questions/q_AAAAAAAAAAAA`, { method: "PATCH", body: { status: "answered" } }), 400, "validation_failed");
  });
});
