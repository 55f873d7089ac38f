import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../shared/story.js";
import { expectError, send, serverWithAccounts, type Account } from "./accounts-helpers.js";
import type { TestServer } from "./harness.js";

/**
 * Scheduled updates over HTTP (issue 19): 202 `{scheduled}`, nothing public until the time, then
 * exactly one entry; the queue for editors; validation and permissions.
 */

const STORY = "scheduled-story";
const entries = `/api/stories/${STORY}/entries`;
const queue = `/api/stories/${STORY}/scheduled`;
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

/** Resolves when `check` holds, polling; fails with `what` after `ms`. */
async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("scheduled updates", () => {
  let server: TestServer;
  let editor: Account;
  let writer: Account;
  const latest = async () => (await (await server.api(`/api/stories/${STORY}`, { auth: false })).json()) as Snapshot;
  const schedule = (body: Record<string, unknown>, account = editor, headers: Record<string, string> = {}) =>
    send(server.url, entries, { cookie: account.cookie, body, headers });

  beforeAll(async () => {
    ({ server, accounts: [editor, writer] } = await serverWithAccounts({ id: STORY, title: "Scheduled" }, [
      ["olena", "editor"],
      ["wren", "contributor"],
    ]));
  });
  afterAll(() => server.close());

  it("answers 202 with the scheduled entry, shows readers nothing of it, then publishes it once at its time", async () => {
    const before = await latest();
    const publishAt = inMs(1500);
    const reply = await schedule({ body: "Curfew lifts at **06:00**", headline: "Curfew", publishAt });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    const item = reply.body.scheduled;
    expect(item).toMatchObject({ id: expect.stringMatching(/^s_/), storyId: STORY, publishAt, revision: 1, createdBy: { name: "olena" }, body: "Curfew lifts at **06:00**", headline: "Curfew", kind: "update", pinned: false });
    expect(reply.headers.get("location")).toBe(`${queue}/${item.id}`);

    // Readers: not in the snapshot, the history, the entries page or the feeds.
    expect((await latest()).version).toBe(before.version);
    const history = await (await server.api(`/api/stories/${STORY}/history`, { auth: false })).text();
    const feed = await (await server.api(`/stories/${STORY}/feed.json`, { auth: false })).text();
    for (const text of [JSON.stringify(await latest()), history, feed]) expect(text).not.toContain("Curfew");
    // Editors: in the queue.
    expect((await send(server.url, queue, { cookie: editor.cookie })).body.scheduled.map((s: { id: string }) => s.id)).toContain(item.id);

    await until(async () => (await latest()).entries[item.entryId] !== undefined, "the scheduled entry to be published");
    const published = await latest();
    expect(published.version).toBe(before.version + 1);
    const entry = published.entries[item.entryId]!;
    expect(entry).toMatchObject({ body: "Curfew lifts at **06:00**", headline: "Curfew", author: { name: "olena" } });
    expect(Date.parse(entry.createdAt)).toBeGreaterThanOrEqual(Date.parse(publishAt));
    expect(Date.parse(entry.createdAt) - Date.parse(publishAt)).toBeLessThan(5_000);
    expect((await send(server.url, queue, { cookie: editor.cookie })).body.scheduled).toEqual([]);
    // Once published it is no longer the queue's: a change or a cancel is told so.
    expectError(await send(server.url, `${queue}/${item.id}`, { method: "PATCH", cookie: editor.cookie, body: { body: "Late" } }), 409, "scheduled_published");
    expectError(await send(server.url, `${queue}/${item.id}`, { method: "DELETE", cookie: editor.cookie }), 409, "scheduled_published");
    await new Promise((r) => setTimeout(r, 1_200)); // another round of the publisher: still one copy
    expect((await latest()).version).toBe(before.version + 1);
  });

  it("refuses a publishAt in the past, too far ahead or malformed with a 400 naming the field", async () => {
    const day = 24 * 60 * 60 * 1000;
    for (const publishAt of [inMs(-60_000), inMs(31 * day), "tomorrow", "2026-07-01T10:00:00", "2026-02-31T10:00:00Z", 1_800_000_000_000, ""]) {
      const reply = await schedule({ body: "Never", publishAt });
      expect(reply.status, String(publishAt)).toBe(400);
      expect(reply.body.error.message).toMatch(/publishAt/);
      expect(reply.body.error.details.issues[0].path).toBe("publishAt");
    }
    expect((await schedule({ body: "Just in", publishAt: inMs(29 * day) })).status).toBe(202);
    const last = (await send(server.url, queue, { cookie: editor.cookie })).body.scheduled.at(-1);
    expect((await send(server.url, `${queue}/${last.id}`, { method: "DELETE", cookie: editor.cookie })).status).toBe(200);
  });

  it("moves, rewrites and cancels a waiting entry, honouring If-Match", async () => {
    const { body } = await schedule({ body: "First text", publishAt: inMs(60_000) });
    const path = `${queue}/${body.scheduled.id}`;
    const later = inMs(120_000);
    const moved = await send(server.url, path, { method: "PATCH", cookie: editor.cookie, headers: { "if-match": '"1"' }, body: { publishAt: later, body: "Second text" } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.scheduled).toMatchObject({ publishAt: later, body: "Second text", revision: 2 });
    expect(moved.headers.get("etag")).toBe('"2"');
    expectError(await send(server.url, path, { method: "PATCH", cookie: editor.cookie, headers: { "if-match": '"1"' }, body: { body: "Stale" } }), 412, "precondition_failed");
    expectError(await send(server.url, path, { method: "PATCH", cookie: editor.cookie, body: { publishAt: inMs(-1000) } }), 400, "validation_failed");
    expectError(await send(server.url, path, { method: "PATCH", cookie: editor.cookie, body: {} }), 400, "validation_failed");
    expect((await send(server.url, path, { method: "DELETE", cookie: editor.cookie, headers: { "if-match": '"2"' } })).status).toBe(200);
    expectError(await send(server.url, path, { method: "DELETE", cookie: editor.cookie }), 404, "scheduled_not_found");
    expectError(await send(server.url, `${queue}/nonsense`, { method: "PATCH", cookie: editor.cookie, body: { body: "x" } }), 404, "scheduled_not_found");
  });

  it("answers a retry with the same Idempotency-Key with the first answer, and schedules once", async () => {
    const headers = { "idempotency-key": "schedule-once-1" };
    const body = { body: "Once only", publishAt: inMs(600_000) };
    const first = await schedule(body, editor, headers);
    const again = await schedule(body, editor, headers);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    const listed = (await send(server.url, queue, { cookie: editor.cookie })).body.scheduled.filter((s: { body: string }) => s.body === "Once only");
    expect(listed).toHaveLength(1);
    expectError(await schedule({ ...body, body: "Other" }, editor, headers), 422, "idempotency_key_reused");
    await send(server.url, `${queue}/${first.body.scheduled.id}`, { method: "DELETE", cookie: editor.cookie });
  });

  it("answers a retried edit or cancellation with the same Idempotency-Key with the first answer, applied once", async () => {
    const first = await schedule({ body: "Edit once", publishAt: inMs(600_000) }, editor);
    const path = `${queue}/${first.body.scheduled.id}`;
    const edit = () => send(server.url, path, { method: "PATCH", cookie: editor.cookie, headers: { "idempotency-key": "edit-once-1" }, body: { body: "Edited once" } });
    const edited = await edit();
    const editedAgain = await edit();
    expect(edited.status).toBe(200);
    expect(editedAgain.headers.get("idempotent-replayed")).toBe("true");
    expect(editedAgain.body).toEqual(edited.body);
    expect(edited.body.scheduled.revision).toBe(2); // one edit, not two
    const cancel = () => send(server.url, path, { method: "DELETE", cookie: editor.cookie, headers: { "idempotency-key": "cancel-once-1" } });
    const cancelled = await cancel();
    const cancelledAgain = await cancel();
    expect(cancelled.status).toBe(200);
    expect(cancelledAgain.status).toBe(200); // not 404: the answer it had
    expect(cancelledAgain.headers.get("idempotent-replayed")).toBe("true");
    expect(cancelledAgain.body).toEqual(cancelled.body);
  });

  it("lets contributors schedule only through an editor who publishes their draft with publishAt", async () => {
    expectError(await schedule({ body: "Mine", publishAt: inMs(60_000) }, writer), 403, "forbidden");
    expectError(await send(server.url, queue, { cookie: writer.cookie }), 403, "forbidden");
    expectError(await send(server.url, queue, { site: null }), 401, "unauthorized");

    const draft = (await send(server.url, `/api/stories/${STORY}/drafts`, { cookie: writer.cookie, body: { body: "From the field" } })).body.draft;
    const publish = `/api/stories/${STORY}/drafts/${draft.id}/publish`;
    expectError(await send(server.url, publish, { cookie: writer.cookie, body: { publishAt: inMs(60_000) } }), 403, "forbidden");
    expectError(await send(server.url, publish, { cookie: editor.cookie, body: { publishAt: "soon" } }), 400, "validation_failed");
    const publishAt = inMs(1_200);
    const reply = await send(server.url, publish, { cookie: editor.cookie, headers: { "if-match": '"1"' }, body: { publishAt } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    expect(reply.body.scheduled).toMatchObject({ publishAt, body: "From the field", byline: { name: "wren" }, createdBy: { name: "olena" }, draftId: draft.id });
    // The draft is no longer waiting: it was taken by the schedule, once.
    expectError(await send(server.url, publish, { method: "POST", cookie: editor.cookie }), 409, "draft_published");
    const entryId = reply.body.scheduled.entryId;
    await until(async () => (await latest()).entries[entryId] !== undefined, "the draft's scheduled entry");
    expect((await latest()).entries[entryId]).toMatchObject({ body: "From the field", author: { name: "wren" } });
  });
});
