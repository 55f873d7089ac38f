/**
 * Readers' questions end to end over HTTP and the desk's socket (issue 36): a reader asks, the desk
 * hears it at once with the queue's count, an editor answers it with an entry that quotes it (the
 * only time a question reaches a story's versions), contributors see and moderate the queue, and
 * answer as drafts that carry the question until an editor publishes them.
 */
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DESK_NAMESPACE,
  type DeskClientToServerEvents,
  type DeskServerToClientEvents,
  type DraftChangedMessage,
  type QuestionChangedMessage,
  type QuestionsStateMessage,
} from "../../shared/desk-protocol.js";
import type { Draft } from "../../shared/accounts.js";
import { activeAccount, expectError, send, type Account } from "./accounts-helpers.js";
import { startServer, TOKEN, type TestServer } from "./harness.js";
import { asker, type Asker } from "./question-asker.js";

const STORY = "questions";
type DeskSocket = Socket<DeskServerToClientEvents, DeskClientToServerEvents>;

describe("readers' questions", () => {
  let server: TestServer;
  let reader: Asker;
  let desk: DeskSocket;
  let contributor: Account;
  const changes: QuestionChangedMessage[] = [];
  const states: QuestionsStateMessage[] = [];
  const drafts: DraftChangedMessage[] = [];
  const heard = (accept: (m: QuestionChangedMessage) => boolean, withinMs: number) =>
    new Promise<QuestionChangedMessage>((resolve, reject) => {
      const found = changes.find(accept);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no question:changed within ${withinMs} ms`)), withinMs);
      desk.on("question:changed", (message) => {
        if (!accept(message)) return;
        clearTimeout(timer);
        resolve(message);
      });
    });

  beforeAll(async () => {
    server = await startServer({ env: { TRUST_PROXY: "loopback" }, questionCost: { work: { min: 1, max: 50 }, formWaitMs: 300 } });
    reader = asker(server.url);
    await server.app.service.createStory({ id: STORY, title: "Questions", summary: "" }, { author: { name: "Desk" } });
    contributor = await activeAccount(server, "connie", "contributor");
    desk = connect(server.url + DESK_NAMESPACE, { transports: ["websocket"], extraHeaders: { authorization: `Bearer ${TOKEN}` }, forceNew: true });
    desk.on("question:changed", (message) => changes.push(message));
    desk.on("questions:state", (message) => states.push(message));
    desk.on("draft:changed", (message) => drafts.push(message));
    await new Promise((resolve) => desk.once("connect", () => resolve(undefined)));
    expect(await new Promise((resolve) => desk.emit("follow", { storyId: STORY }, resolve))).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    desk?.disconnect();
    await server?.close();
  });

  it("pushes a reader's question to the desk at once (no poll), with the queue's count, and never makes a version", async () => {
    const version = (await server.app.store.latest(STORY))!.version;
    const asked = Date.now();
    expect((await reader.ask(STORY, { text: "Is the metro running?", name: "Oksana" }, { from: "203.0.113.7" })).status).toBe(202);
    // Pushed as the store has it: a second at most on a quiet machine; CI's loaded cores get more room (no timing asserted).
    const message = await heard((m) => m.question.text === "Is the metro running?", 5000);
    console.log(`questions: on the desk ${Date.now() - asked} ms after the reader sent it`);
    expect(message).toMatchObject({ storyId: STORY, question: { name: "Oksana", status: "pending", asks: 1 } });
    expect(message.question).not.toHaveProperty("addressKey");
    expect(states.at(-1)).toEqual({ storyId: STORY, open: true, pending: 1 });
    expect((await server.app.store.latest(STORY))!.version).toBe(version);
  });

  it("lists the queue for contributors in DESIGN.md's shape, and lets them dismiss; pausing is for editors", async () => {
    expect((await reader.ask(STORY, { text: "Which districts were hit?" }, { from: "203.0.113.8" })).status).toBe(202);
    const listed = await send(server.url, `/api/stories/${STORY}/questions`, { cookie: contributor.cookie });
    expect(listed.status).toBe(200);
    const questions = listed.body.questions as { id: string; text: string; name?: string; at: string; status: string }[];
    expect(questions.map((q) => q.text)).toEqual(["Which districts were hit?", "Is the metro running?"]);
    expect(questions[1]).toMatchObject({ id: expect.stringMatching(/^q_/), name: "Oksana", at: expect.any(String), status: "pending" });
    const dismissed = await send(server.url, `/api/stories/${STORY}/questions/${questions[0]!.id}`, { method: "PATCH", cookie: contributor.cookie, body: { status: "dismissed" } });
    expect([dismissed.status, dismissed.body.question?.status]).toEqual([200, "dismissed"]);
    await heard((m) => m.question.id === questions[0]!.id && m.question.status === "dismissed", 5000);
    const paused = await send(server.url, `/api/stories/${STORY}/question-settings`, { method: "PUT", cookie: contributor.cookie, body: { open: false } });
    expect(paused.status).toBe(403);
    const state = await server.api(`/api/stories/${STORY}/question-settings`);
    expect(await state.json()).toEqual({ open: true, pending: 1 });
  });

  it("publishes an answer that quotes the question (with the name the reader gave), and marks it answered", async () => {
    const [question] = (await server.app.store.questions.list(STORY, 10)).filter((q) => q.status === "pending");
    const res = await server.api(`/api/stories/${STORY}/entries`, { body: { body: "Yes: lines 1 and 2 run every ten minutes.", question: { id: question!.id } } });
    expect(res.status).toBe(201);
    const { entry } = (await res.json()) as { entry: { id: string; question?: unknown } };
    expect(entry.question).toEqual({ text: "Is the metro running?", name: "Oksana" });
    expect((await server.app.store.latest(STORY))!.entries[entry.id]!.question).toEqual({ text: "Is the metro running?", name: "Oksana" });
    await heard((m) => m.question.id === question!.id && m.question.status === "answered", 5000);
    expect(await server.app.store.questions.get(STORY, question!.id)).toMatchObject({ status: "answered", entryId: entry.id });
    // Answered once; an unknown question is 404, and nothing is published for either.
    const version = (await server.app.store.latest(STORY))!.version;
    expect((await server.api(`/api/stories/${STORY}/entries`, { body: { body: "Again", question: { id: question!.id } } })).status).toBe(409);
    expect((await server.api(`/api/stories/${STORY}/entries`, { body: { body: "Who?", question: { id: "q_AAAAAAAAAAAA" } } })).status).toBe(404);
    expect((await server.app.store.latest(STORY))!.version).toBe(version);
  });

  it("lets a contributor answer as a draft that carries the question, which an editor's publish answers", async () => {
    expect((await reader.ask(STORY, { text: "Are schools open tomorrow?", name: "Taras" }, { from: "203.0.113.9" })).status).toBe(202);
    const { question } = await heard((m) => m.question.text === "Are schools open tomorrow?", 5000);
    const draftsPath = `/api/stories/${STORY}/drafts`;
    const write = (body: unknown) => send(server.url, draftsPath, { cookie: contributor.cookie, body });

    // Checked as an answer is: a question of this story, not answered yet; nothing is stored otherwise.
    const [metro] = (await server.app.store.questions.list(STORY, 10)).filter((q) => q.status === "answered");
    expectError(await write({ body: "Yes.", question: { id: metro!.id } }), 409, "question_answered");
    expectError(await write({ body: "Who?", question: { id: "q_AAAAAAAAAAAA" } }), 404, "question_not_found");
    expectError(await write({ body: "What?", question: { id: "not-a-question" } }), 400, "validation_failed");
    await server.app.service.createStory({ id: "elsewhere", title: "Elsewhere", summary: "" }, { author: { name: "Desk" } });
    expect((await reader.ask("elsewhere", { text: "Is the airport open?" }, { from: "203.0.113.11" })).status).toBe(202);
    const [elsewhere] = await server.app.store.questions.list("elsewhere", 1);
    expectError(await write({ body: "Yes.", question: { id: elsewhere!.id } }), 404, "question_not_found");
    expect(await server.app.store.accounts.listDrafts(STORY)).toEqual([]);

    const created = await write({ body: "Yes: every school opens at nine.", question: { id: question.id } });
    expect(created.status).toBe(201);
    const draft = created.body.draft as Draft;
    expect(draft.question).toEqual({ id: question.id, text: "Are schools open tomorrow?", name: "Taras" });
    expect(draft.body).toBe("Yes: every school opens at nine.");
    await expect.poll(() => drafts.find((m) => m.draft.id === draft.id)?.draft.question).toEqual(draft.question);
    expect((await server.app.store.questions.get(STORY, question.id))!.status).toBe("pending");

    // An answer goes out now, never at a set time; the draft waits on.
    const publishPath = `${draftsPath}/${draft.id}/publish`;
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expectError(await send(server.url, publishPath, { bearer: TOKEN, body: { publishAt: later } }), 400, "validation_failed");
    expect(await server.app.store.accounts.draft(STORY, draft.id)).toEqual(draft);

    const published = await send(server.url, publishPath, { method: "POST", bearer: TOKEN });
    expect(published.status).toBe(201);
    const entry = published.body.entry as { id: string; question?: unknown; author: { name: string } };
    expect(entry).toMatchObject({ question: { text: "Are schools open tomorrow?", name: "Taras" }, author: draft.author });
    expect((await server.app.store.latest(STORY))!.entries[entry.id]!.question).toEqual({ text: "Are schools open tomorrow?", name: "Taras" });
    const told = await heard((m) => m.question.id === question.id && m.question.status === "answered", 5000);
    expect(told.question.entryId).toBe(entry.id);
    expect(await server.app.store.questions.get(STORY, question.id)).toMatchObject({ status: "answered", entryId: entry.id });
    expect(states.at(-1)).toMatchObject({ storyId: STORY, pending: 0 });
  });

  it("still publishes a draft whose question an editor answered meanwhile, leaving the question with the first answer", async () => {
    expect((await reader.ask(STORY, { text: "Is the bridge closed?" }, { from: "203.0.113.10" })).status).toBe(202);
    const { question } = await heard((m) => m.question.text === "Is the bridge closed?", 5000);
    const created = await send(server.url, `/api/stories/${STORY}/drafts`, { cookie: contributor.cookie, body: { body: "Yes, until noon.", question: { id: question.id } } });
    expect(created.status).toBe(201);
    const direct = await server.api(`/api/stories/${STORY}/entries`, { body: { body: "The bridge is closed until noon.", question: { id: question.id } } });
    const first = ((await direct.json()) as { entry: { id: string } }).entry.id;
    const published = await send(server.url, `/api/stories/${STORY}/drafts/${created.body.draft.id}/publish`, { method: "POST", bearer: TOKEN });
    expect(published.status).toBe(201);
    expect(published.body.entry.question).toEqual({ text: "Is the bridge closed?" });
    expect(await server.app.store.questions.get(STORY, question.id)).toMatchObject({ status: "answered", entryId: first });
  });
});
