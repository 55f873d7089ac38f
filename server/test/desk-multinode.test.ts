import { beforeAll, describe, expect, it } from "vitest";
import { send, sessionCookieOf } from "./accounts-helpers.js";
import type { Child } from "./child-server.js";
import { useTwoDeskNodes } from "./desk-nodes.js";
import { TOKEN } from "./harness.js";
import { requireService } from "./services.js";

const ready = (await requireService("postgres")) && (await requireService("redis"));

/**
 * The desk's channel across nodes (DESIGN.md §5): a draft written through one node reaches the
 * desks connected to another, through the Redis Streams adapter that also carries the readers'
 * versions (one adapter for every namespace). Its own stream and schema; Redis is never restarted.
 */
describe.skipIf(!ready)("the desk's live channel on two nodes (PostgreSQL and Redis)", () => {
  const STORY = "desk-nodes";
  const { nodes, deskSocket, follow } = useTwoDeskNodes("lt_desk", STORY);
  let a: Child;
  let b: Child;
  beforeAll(() => void ({ a, b } = nodes));

  const within = <T>(promise: Promise<T>, what: string) =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within 10 s`)), 10_000))]);

  it("pushes a draft written on one node to the desks on the other, and its publication back", async () => {
    expect((await send(a.url, "/api/stories", { bearer: TOKEN, body: { id: STORY, title: "Two nodes" } })).status).toBe(201);
    const created = await send(a.url, "/api/users", { bearer: TOKEN, body: { username: "wren", role: "contributor", displayName: "Wren" } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const signedIn = await send(a.url, "/api/session", { body: { username: "wren", password: created.body.password } });
    const cookie = sessionCookieOf(signedIn);
    const chosen = await send(a.url, "/api/session/password", { cookie, body: { currentPassword: created.body.password, newPassword: "wren-own-password-42" } });
    expect(chosen.status).toBe(204);

    const editorOnB = await deskSocket(b, { authorization: `Bearer ${TOKEN}` });
    const wrenOnA = await deskSocket(a, { cookie });
    expect(await follow(editorOnB)).toMatchObject({ ok: true });
    expect(await follow(wrenOnA)).toMatchObject({ ok: true });

    const seenOnB = within(new Promise<string>((resolve) => editorOnB.once("draft:changed", (m) => resolve(m.draft.body))), "draft:changed on node B");
    const draft = await send(a.url, `/api/stories/${STORY}/drafts`, { cookie, body: { body: "Written through node A" } });
    expect(draft.status).toBe(201);
    expect(await seenOnB).toBe("Written through node A");

    const closedOnA = within(new Promise((resolve) => wrenOnA.once("draft:closed", resolve)), "draft:closed on node A");
    const published = await send(b.url, `/api/stories/${STORY}/drafts/${draft.body.draft.id}/publish`, { bearer: TOKEN, method: "POST" });
    expect(published.status).toBe(201);
    expect(await closedOnA).toEqual({ storyId: STORY, id: draft.body.draft.id, outcome: "published", by: { name: "Newsroom" }, at: expect.any(String), entryId: published.body.entry.id });
  });
});
