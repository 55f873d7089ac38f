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
        revision: 1,
      }),
    });
    expect(created.headers.get("etag")).toBe('"1"');

    // Drafts are not public: nothing of it in the story, and nobody anonymous may list them.
    const story = await server.api(`/api/stories/${STORY}`, { auth: false });
    expect(JSON.stringify(await story.json())).not.toContain("the port");
    expectError(await send(server.url, drafts), 401, "unauthorized");

    const edited = await send(server.url, `${drafts}/${draft.id}`, { method: "PATCH", cookie: writer.cookie, body: { body: "Strikes on **the port** of Odesa", kind: "breaking" } });
    expect(edited.status).toBe(200);
    expect(edited.body.draft).toMatchObject({ id: draft.id, body: "Strikes on **the port** of Odesa", kind: "breaking", headline: "Port hit", author: { name: "wren" }, revision: 2 });
    expect(edited.headers.get("etag")).toBe('"2"');

    const listed = await send(server.url, drafts, { cookie: editor.cookie });
    expect(listed.status).toBe(200);
    expect(listed.headers.get("cache-control")).toBe("no-store");
    expect(listed.body.drafts).toContainEqual(edited.body.draft);
    const othersView = await send(server.url, drafts, { cookie: other.cookie });
    expect(othersView.body.drafts.map((d: { id: string }) => d.id)).not.toContain(draft.id);

    const version = await versionOf();
    const published = await send(server.url, `${drafts}/${draft.id}/publish`, { method: "POST", cookie: editor.cookie, headers: { "if-match": '"2"' } });
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
    expect(history.body.versions[0]).toMatchObject({ version: version + 1, author: { name: "ed" }, summary: 'Added "Port hit"' });

    // The draft is out of the queue; whoever still holds it is told who published it, and nothing changes.
    expect((await send(server.url, drafts, { cookie: editor.cookie })).body.drafts.map((d: { id: string }) => d.id)).not.toContain(draft.id);
    expect(await server.app.store.accounts.draft(STORY, draft.id)).toBeUndefined();
    const gone = { by: { name: "ed" }, at: expect.any(String), entryId: published.body.entry.id };
    const again = await send(server.url, `${drafts}/${draft.id}/publish`, { method: "POST", cookie: chief.cookie });
    expectError(again, 409, "draft_published");
    expect(again.body.error).toMatchObject({ message: "This draft was already published by ed.", details: gone });
    const lateEdit = await send(server.url, `${drafts}/${draft.id}`, { method: "PATCH", cookie: writer.cookie, body: { body: "One more fix" } });
    expectError(lateEdit, 409, "draft_published");
    expect(lateEdit.body.error.details).toEqual(gone);
    expectError(await send(server.url, `${drafts}/${draft.id}`, { method: "DELETE", cookie: writer.cookie }), 409, "draft_published");
    // To another contributor it never existed.
    expectError(await send(server.url, `${drafts}/${draft.id}`, { method: "PATCH", cookie: other.cookie, body: { body: "x" } }), 404, "draft_not_found");
    expect(await versionOf()).toBe(version + 1);
    expect((await (await server.api(`/api/stories/${STORY}`)).json()).entries[published.body.entry.id].body).toBe("Strikes on **the port** of Odesa");
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

  it("tells a contributor what became of their drafts in the last day: published by whom, when, as which entry; or discarded", async () => {
    const published = (await write(other, { body: "Olga's, to publish" })).body.draft;
    const discarded = (await write(other, { body: "Olga's, to drop" })).body.draft;
    const old = (await write(other, { body: "Olga's, long ago" })).body.draft;
    const wrens = (await write(writer, { body: "Wren's, published too" })).body.draft;
    const entry = (await send(server.url, `${drafts}/${published.id}/publish`, { cookie: editor.cookie, body: {} })).body.entry;
    expect((await send(server.url, `${drafts}/${wrens.id}/publish`, { cookie: editor.cookie, body: {} })).status).toBe(201);
    expect((await send(server.url, `${drafts}/${discarded.id}`, { method: "DELETE", cookie: chief.cookie })).status).toBe(204);
    // Discarded more than a day ago: no longer listed.
    await server.app.store.accounts.discardDraft(STORY, old.id, { by: { name: "ed" }, at: new Date(Date.now() - 25 * 3600_000).toISOString() });

    const outcomes = async (account: Account) => send(server.url, `${drafts}/outcomes`, { cookie: account.cookie });
    const olga = await outcomes(other);
    expect(olga.status).toBe(200);
    expect(olga.headers.get("cache-control")).toBe("no-store");
    const mine = [published.id, discarded.id, old.id];
    expect(olga.body.outcomes.filter((o: { id: string }) => mine.includes(o.id))).toEqual([
      expect.objectContaining({ id: discarded.id, storyId: STORY, outcome: "discarded", by: { name: "chief" }, at: expect.any(String) }),
      expect.objectContaining({ id: published.id, storyId: STORY, outcome: "published", by: { name: "ed" }, at: expect.any(String), entryId: entry.id }),
    ]);
    // Each sees only their own; anonymous callers nothing at all.
    expect((await outcomes(writer)).body.outcomes.map((o: { id: string }) => o.id)).toContain(wrens.id);
    expect((await outcomes(writer)).body.outcomes.map((o: { id: string }) => o.id)).not.toContain(published.id);
    expect((await outcomes(editor)).body.outcomes).toEqual([]);
    expectError(await send(server.url, `${drafts}/outcomes`), 401, "unauthorized");
    expectError(await send(server.url, "/api/stories/no-such-story/drafts/outcomes", { cookie: other.cookie }), 404, "story_not_found");
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
    expectError(await send(server.url, `${drafts}/${mine.id}`, { method: "DELETE", cookie: writer.cookie }), 409, "draft_discarded");

    // Editors discard anyone's.
    expect((await send(server.url, `${drafts}/${hers.id}`, { method: "DELETE", cookie: editor.cookie })).status).toBe(204);
    expect(await server.app.store.accounts.draft(STORY, hers.id)).toBeUndefined();
    expect(await versionOf()).toBe(version); // discarding is not a version
  });

  it("refuses a stale If-Match revision on publish (412) and keeps the draft and the story as they are", async () => {
    const draft = (await write(writer, { body: "Waiting" })).body.draft;
    const edited = (await send(server.url, `${drafts}/${draft.id}`, { method: "PATCH", cookie: writer.cookie, body: { body: "Waiting, corrected" } })).body.draft;
    expect(edited.revision).toBe(2);
    const version = await versionOf();
    const stale = await send(server.url, `${drafts}/${draft.id}/publish`, { method: "POST", cookie: editor.cookie, headers: { "if-match": '"1"' } });
    expectError(stale, 412, "precondition_failed");
    expect(stale.body.error.details).toEqual({ currentRevision: 2 });
    expect(await server.app.store.accounts.draft(STORY, draft.id)).toEqual(edited);
    expect(await versionOf()).toBe(version);
    const ok = await send(server.url, `${drafts}/${draft.id}/publish`, { method: "POST", cookie: chief.cookie, headers: { "if-match": '"2"' } });
    expect(ok.status).toBe(201);
    expect(ok.body.entry).toMatchObject({ author: { name: "wren" }, body: "Waiting, corrected" });
  });

  it("applies an edit or a discard only at the revision named in If-Match (412 otherwise), and to the latest without one", async () => {
    const draft = (await write(writer, { body: "First" })).body.draft;
    const patch = (body: Record<string, unknown>, ifMatch?: string, account = writer) =>
      send(server.url, `${drafts}/${draft.id}`, { method: "PATCH", cookie: account.cookie, body, ...(ifMatch ? { headers: { "if-match": ifMatch } } : {}) });
    expect((await patch({ body: "Second" }, '"1"')).body.draft).toMatchObject({ body: "Second", revision: 2 });
    // An editor fixing the headline meanwhile, without a condition: applied to the latest, nothing of it lost.
    expect((await patch({ headline: "Added" }, undefined, editor)).body.draft).toMatchObject({ body: "Second", headline: "Added", revision: 3 });
    const stale = await patch({ body: "Based on revision 2" }, '"2"');
    expectError(stale, 412, "precondition_failed");
    expect(stale.body.error.details).toEqual({ currentRevision: 3 });
    expect(await server.app.store.accounts.draft(STORY, draft.id)).toMatchObject({ body: "Second", headline: "Added", revision: 3 });
    expect((await patch({ body: "Third" }, 'W/"3"')).status).toBe(200); // a weak validator names the same revision

    expectError(await send(server.url, `${drafts}/${draft.id}`, { method: "DELETE", cookie: editor.cookie, headers: { "if-match": '"3"' } }), 412, "precondition_failed");
    expect((await send(server.url, `${drafts}/${draft.id}`, { method: "DELETE", cookie: editor.cookie, headers: { "if-match": '"4"' } })).status).toBe(204);
    const closed = { by: { name: "ed" }, at: expect.any(String) };
    for (const [method, path] of [["PATCH", ""], ["DELETE", ""], ["POST", "/publish"]] as const) {
      const reply = await send(server.url, `${drafts}/${draft.id}${path}`, { method, cookie: method === "POST" ? chief.cookie : writer.cookie, ...(method === "PATCH" ? { body: { body: "x" } } : {}) });
      expectError(reply, 409, "draft_discarded");
      expect(reply.body.error).toMatchObject({ message: "This draft was discarded by ed.", details: closed });
    }
  });

  it("answers 400 to an If-Match on a draft that is not a revision", async () => {
    const draft = (await write(writer, { body: "Kept" })).body.draft;
    for (const ifMatch of ['1', '"0"', '"-1"', '"1.5"', '"abc"', '"1", "2"', '"99999999999999999"']) {
      expectError(await send(server.url, `${drafts}/${draft.id}`, { method: "PATCH", cookie: writer.cookie, body: { body: "x" }, headers: { "if-match": ifMatch } }), 400, "bad_request");
      expectError(await send(server.url, `${drafts}/${draft.id}/publish`, { method: "POST", cookie: editor.cookie, headers: { "if-match": ifMatch } }), 400, "bad_request");
      expectError(await send(server.url, `${drafts}/${draft.id}`, { method: "DELETE", cookie: writer.cookie, headers: { "if-match": ifMatch } }), 400, "bad_request");
    }
    expect(await server.app.store.accounts.draft(STORY, draft.id)).toEqual(draft);
    expect((await send(server.url, `${drafts}/${draft.id}`, { method: "DELETE", cookie: writer.cookie, headers: { "if-match": "*" } })).status).toBe(204);
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
      expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
      for (const loser of replies.filter((r) => r.status !== 201)) expectError(loser, 409, "draft_published");
      expect(await versionOf()).toBe(version + 1);
      const snapshot = (await (await server.api(`/api/stories/${STORY}`)).json()) as { entries: Record<string, { body: string }> };
      expect(Object.values(snapshot.entries).filter((e) => e.body === `Race ${round}`)).toHaveLength(1);
    }
  });

  it("lets exactly one of a publish and an edit sent at the same moment win, and tells the other", async () => {
    for (let round = 0; round < 6; round++) {
      const draft = (await write(writer, { body: `Contest ${round}` })).body.draft;
      const version = await versionOf();
      const [published, edited] = await Promise.all([
        send(server.url, `${drafts}/${draft.id}/publish`, { method: "POST", cookie: editor.cookie, headers: { "if-match": '"1"' } }),
        send(server.url, `${drafts}/${draft.id}`, { method: "PATCH", cookie: writer.cookie, body: { body: `Contest ${round}, edited` }, ...(round % 2 ? { headers: { "if-match": '"1"' } } : {}) }),
      ]);
      const snapshot = (await (await server.api(`/api/stories/${STORY}`)).json()) as { version: number; entries: Record<string, { body: string }> };
      const entries = Object.values(snapshot.entries).filter((e) => e.body.startsWith(`Contest ${round}`));
      if (published.status === 201) {
        expectError(edited, 409, "draft_published");
        expect(snapshot.version).toBe(version + 1);
        expect(entries.map((e) => e.body)).toEqual([`Contest ${round}`]);
      } else {
        expectError(published, 412, "precondition_failed");
        expect(edited.status).toBe(200);
        expect(snapshot.version).toBe(version);
        expect(entries).toEqual([]);
        expect(await server.app.store.accounts.draft(STORY, draft.id)).toMatchObject({ body: `Contest ${round}, edited`, revision: 2 });
      }
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
