import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, send, serverWithAccounts, type Account } from "./accounts-helpers.js";
import type { TestServer } from "./harness.js";

/**
 * Drafts (issue 4): contributors write them, editors publish them as one new version (the
 * contributor stays the entry's byline, the editor is the version's author) or discard them.
 */

describe("drafts", () => {
  let server: TestServer;
  let editor: Account;
  let chief: Account;
  let writer: Account;
  let other: Account;
  const STORY = "drafts-story";
  const drafts = `/api/stories/${STORY}/drafts`;

  const versionOf = async () => ((await server.api(`/api/stories/${STORY}`)).json() as Promise<{ version: number }>).then((s) => s.version);
  const write = (account: Account, body: Record<string, unknown>) => send(server.url, drafts, { cookie: account.cookie, body });

  beforeAll(async () => {
    ({ server, accounts: [editor, chief, writer, other] } = await serverWithAccounts({ id: STORY, title: "Drafts" }, [
      ["ed", "editor"],
      ["chief", "admin"],
      ["wren", "contributor"],
      ["olga", "contributor"],
    ]));
  });
  afterAll(() => server.close());

  it("goes from a contributor's draft to an entry an editor published", async () => {
    const created = await write(writer, { body: "Strikes on **the port**", headline: "Port hit" });
    expect(created.status).toBe(201);
    const draft = created.body.draft;
    expect(created.body).toEqual({
      draft: expect.objectContaining({
        id: expect.stringMatching(/^d_/),
        storyId: STORY,
        author: { name: "wren" },
        createdAt: expect.any(String),
        updatedAt: draft.createdAt,
        headline: "Port hit",
        body: "Strikes on **the port**",
        kind: "update",
        pinned: false,
      }),
    });

    // Drafts are not public: nothing of it in the story, and nobody anonymous may list them.
    const story = await server.api(`/api/stories/${STORY}`, { auth: false });
    expect(JSON.stringify(await story.json())).not.toContain("the port");
    expectError(await send(server.url, drafts), 401, "unauthorized");

    const edited = await send(server.url, `${drafts}/${draft.id}`, { method: "PATCH", cookie: writer.cookie, body: { body: "Strikes on **the port** of Odesa", kind: "breaking" } });
    expect(edited.status).toBe(200);
    expect(edited.body.draft).toMatchObject({ id: draft.id, body: "Strikes on **the port** of Odesa", kind: "breaking", headline: "Port hit", author: { name: "wren" } });

    const listed = await send(server.url, drafts, { cookie: editor.cookie });
    expect(listed.status).toBe(200);
    expect(listed.headers.get("cache-control")).toBe("no-store");
    expect(listed.body.drafts).toContainEqual(edited.body.draft);
    const othersView = await send(server.url, drafts, { cookie: other.cookie });
    expect(othersView.body.drafts.map((d: { id: string }) => d.id)).not.toContain(draft.id);

    const version = await versionOf();
    const published = await send(server.url, `${drafts}/${draft.id}/publish`, { method: "POST", cookie: editor.cookie, headers: { "if-match": `"${version}"` } });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    expect(published.body).toEqual({ entry: expect.any(Object), version: version + 1 });
    expect(published.headers.get("etag")).toBe(`"${version + 1}"`);
    expect(published.body.entry).toMatchObject({
      author: { name: "wren" },
      headline: "Port hit",
      body: "Strikes on **the port** of Odesa",
      kind: "breaking",
      pinned: false,
      revision: 1,
      html: "<p>Strikes on <strong>the port</strong> of Odesa</p>",
    });
    expect(published.body.entry.id).toMatch(/^e_/);

    const snapshot = (await (await server.api(`/api/stories/${STORY}`)).json()) as { version: number; entries: Record<string, unknown> };
    expect(snapshot.version).toBe(version + 1);
    expect(snapshot.entries[published.body.entry.id]).toEqual(published.body.entry);
    const history = await send(server.url, `/api/stories/${STORY}/history?limit=1`);
    expect(history.body.versions[0]).toMatchObject({ version: version + 1, author: { name: "ed" }, summary: expect.stringMatching(/^Added entry e_\w+ "Port hit"$/) });

    // The draft is gone, and publishing it again finds nothing.
    expect((await send(server.url, drafts, { cookie: editor.cookie })).body.drafts.map((d: { id: string }) => d.id)).not.toContain(draft.id);
    expect(await server.app.store.accounts.draft(STORY, draft.id)).toBeUndefined();
    expectError(await send(server.url, `${drafts}/${draft.id}/publish`, { method: "POST", cookie: editor.cookie }), 404, "draft_not_found");
    expect(await versionOf()).toBe(version + 1);
  });

  it("lists all drafts to editors and admins, only their own to contributors, newest first", async () => {
    const a = (await write(writer, { body: "Wren's first" })).body.draft;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const b = (await write(other, { body: "Olga's" })).body.draft;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const c = (await write(writer, { body: "Wren's second", pinned: true })).body.draft;
    const ids = async (account: Account) => ((await send(server.url, drafts, { cookie: account.cookie })).body.drafts as { id: string }[]).map((d) => d.id).filter((id) => [a.id, b.id, c.id].includes(id));
    expect(await ids(editor)).toEqual([c.id, b.id, a.id]);
    expect(await ids(chief)).toEqual([c.id, b.id, a.id]);
    expect(await ids(writer)).toEqual([c.id, a.id]);
    expect(await ids(other)).toEqual([b.id]);
    for (const draft of [a, b, c]) expect((await send(server.url, `${drafts}/${draft.id}`, { method: "DELETE", cookie: editor.cookie })).status).toBe(204);
  });

  it("lets a contributor edit and discard their own drafts, but not see others' (404) or publish (403)", async () => {
    const mine = (await write(writer, { body: "Mine" })).body.draft;
    const hers = (await write(other, { body: "Hers" })).body.draft;
    const version = await versionOf();

    expectError(await send(server.url, `${drafts}/${hers.id}`, { method: "PATCH", cookie: writer.cookie, body: { body: "Taken over" } }), 404, "draft_not_found");
    expectError(await send(server.url, `${drafts}/${hers.id}`, { method: "DELETE", cookie: writer.cookie }), 404, "draft_not_found");
    expectError(await send(server.url, `${drafts}/${mine.id}/publish`, { method: "POST", cookie: writer.cookie }), 403, "forbidden");
    expectError(await send(server.url, `${drafts}/${hers.id}/publish`, { method: "POST", cookie: writer.cookie }), 403, "forbidden");
    expect(await server.app.store.accounts.draft(STORY, hers.id)).toEqual(hers);
    expect(await server.app.store.accounts.draft(STORY, mine.id)).toEqual(mine);
    expect(await versionOf()).toBe(version);

    const edited = await send(server.url, `${drafts}/${mine.id}`, { method: "PATCH", cookie: writer.cookie, body: { headline: "Now with a headline" } });
    expect(edited.status).toBe(200);
    expect(edited.body.draft).toMatchObject({ id: mine.id, body: "Mine", headline: "Now with a headline" });
    expect((await send(server.url, `${drafts}/${mine.id}`, { method: "DELETE", cookie: writer.cookie })).status).toBe(204);
    expect(await server.app.store.accounts.draft(STORY, mine.id)).toBeUndefined();
    expectError(await send(server.url, `${drafts}/${mine.id}`, { method: "DELETE", cookie: writer.cookie }), 404, "draft_not_found");

    // Editors discard anyone's.
    expect((await send(server.url, `${drafts}/${hers.id}`, { method: "DELETE", cookie: editor.cookie })).status).toBe(204);
    expect(await server.app.store.accounts.draft(STORY, hers.id)).toBeUndefined();
    expect(await versionOf()).toBe(version); // discarding is not a version
  });

  it("refuses a stale If-Match on publish (412) and keeps the draft", async () => {
    const draft = (await write(writer, { body: "Waiting" })).body.draft;
    const version = await versionOf();
    const stale = await send(server.url, `${drafts}/${draft.id}/publish`, { method: "POST", cookie: editor.cookie, headers: { "if-match": `"${version - 1}"` } });
    expectError(stale, 412, "precondition_failed");
    expect(stale.body.error.details).toEqual({ currentVersion: version });
    expect(await server.app.store.accounts.draft(STORY, draft.id)).toEqual(draft);
    expect(await versionOf()).toBe(version);
    const ok = await send(server.url, `${drafts}/${draft.id}/publish`, { method: "POST", cookie: chief.cookie, headers: { "if-match": `"${version}"` } });
    expect(ok.status).toBe(201);
    expect(ok.body.entry.author).toEqual({ name: "wren" });
  });

  it("replays a publish retried with the same Idempotency-Key", async () => {
    const draft = (await write(writer, { body: "Once" })).body.draft;
    const publish = () => send(server.url, `${drafts}/${draft.id}/publish`, { method: "POST", cookie: editor.cookie, headers: { "idempotency-key": `publish-${draft.id}` } });
    const first = await publish();
    const again = await publish();
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await versionOf()).toBe(first.body.version);
  });

  it("publishes a draft exactly once when two editors publish it at the same moment", async () => {
    for (let round = 0; round < 3; round++) {
      const draft = (await write(writer, { body: `Race ${round}` })).body.draft;
      const version = await versionOf();
      const replies = await Promise.all(
        [editor, chief, editor, chief].map((account) => send(server.url, `${drafts}/${draft.id}/publish`, { method: "POST", cookie: account.cookie })),
      );
      expect(replies.map((r) => r.status).sort()).toEqual([201, 404, 404, 404]);
      for (const loser of replies.filter((r) => r.status !== 201)) expectError(loser, 404, "draft_not_found");
      expect(await versionOf()).toBe(version + 1);
      const snapshot = (await (await server.api(`/api/stories/${STORY}`)).json()) as { entries: Record<string, { body: string }> };
      expect(Object.values(snapshot.entries).filter((e) => e.body === `Race ${round}`)).toHaveLength(1);
    }
  });

  it("needs an existing story and a valid body", async () => {
    expectError(await send(server.url, "/api/stories/no-such-story/drafts", { cookie: writer.cookie, body: { body: "Lost" } }), 404, "story_not_found");
    expectError(await send(server.url, "/api/stories/no-such-story/drafts", { cookie: writer.cookie }), 404, "story_not_found");
    expectError(await write(writer, { body: "   " }), 400, "validation_failed");
    expectError(await write(writer, { body: "x", author: "someone else" }), 400, "validation_failed");
    expectError(await send(server.url, `${drafts}/d_nope`, { method: "PATCH", cookie: editor.cookie, body: { body: "x" } }), 404, "draft_not_found");
    expectError(await send(server.url, `${drafts}/d_nope/publish`, { method: "POST", cookie: editor.cookie }), 404, "draft_not_found");
  });
});
