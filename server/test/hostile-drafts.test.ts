/**
 * Drafts attacked over HTTP: forged and stale If-Match, and probing for drafts that are someone
 * else's, published, discarded or never there. Refusals change nothing and tell nothing.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretHash } from "../auth/secrets.js";
import { createAccount } from "../auth/accounts-service.js";
import type { TestServer } from "./harness.js";
import { expectError, expectUnchanged, getJson } from "./hostile-assertions.js";

import { JSON_TYPE, raw, startHostileServer, STORY } from "./hostile-server.js";

let server: TestServer;
beforeAll(async () => {
  ({ server } = await startHostileServer());
});
afterAll(async () => {
  await server?.close();
});

// ---------------------------------------------------------------------------------------------
// Drafts: forged and stale conditions, and probing for drafts that are someone else's or gone
// ---------------------------------------------------------------------------------------------

describe("drafts held by someone else, or acted on from an old copy", () => {
  const drafts = `/api/stories/${STORY}/drafts`;
  /** A signed-in contributor: a session made straight in the store, its cookie as a browser sends it. */
  const contributor = async () => {
    const { user } = await createAccount(server.app.store.accounts, `wr-${randomBytes(3).toString("hex")}`, "contributor");
    await server.app.store.accounts.updateUser(user.id, { mustChangePassword: false }); // as if the one-time password was changed
    const cookie = randomBytes(32).toString("base64url");
    await server.app.store.accounts.createSession({ idHash: secretHash(cookie), userId: user.id, createdAt: Date.now(), lastSeenAt: Date.now() });
    return { user, headers: { cookie: `lt_session=${cookie}`, "sec-fetch-site": "same-origin" } };
  };
  const asUser = (headers: Record<string, string>, method: string, path: string, extra: Record<string, string> = {}, body?: string) =>
    fetch(server.url + path, { method, headers: { ...headers, ...extra, ...(body ? JSON_TYPE : {}) }, ...(body ? { body } : {}) });
  const newDraft = async (authorId: string, n: number) => {
    const now = new Date().toISOString();
    const draft = { id: `d_hostile${n}${randomBytes(3).toString("hex")}`, storyId: STORY, authorId, author: { name: "wr" }, createdAt: now, updatedAt: now, body: `Hostile ${n}`, kind: "update" as const, pinned: false, revision: 1 };
    await server.app.store.accounts.createDraft(draft);
    return draft;
  };
  /** Every way to act on a draft: edit, discard, publish (the admin token publishes). */
  const actions = (headers: Record<string, string>, id: string, extra: Record<string, string> = {}) => [
    () => asUser(headers, "PATCH", `${drafts}/${id}`, extra, '{"body":"Overwritten?"}'),
    () => asUser(headers, "DELETE", `${drafts}/${id}`, extra),
    () => raw(server.url, `${drafts}/${id}/publish`, { headers: extra }),
  ];

  it("refuses an If-Match that is not a revision (400), and changes nothing", async () => {
    const { user, headers } = await contributor();
    const draft = await newDraft(user.id, 1);
    for (const ifMatch of ['"1', "1", '"0"', '"-1"', '"1e3"', '"0x1"', '"1", "2"', '"1"garbage', `"${"9".repeat(40)}"`, '"\u00b9"']) {
      await expectUnchanged(server, async () => {
        for (const act of actions(headers, draft.id, { "if-match": ifMatch })) await expectError(await act(), 400, "bad_request");
      });
    }
    expect(await server.app.store.accounts.draft(STORY, draft.id)).toEqual(draft);
  });

  it("takes the story's version sent as a draft's If-Match for the stale revision it is (412), and changes nothing", async () => {
    const { user, headers } = await contributor();
    const draft = await newDraft(user.id, 2);
    const { version } = await getJson(server, `/api/stories/${STORY}`);
    expect(version).toBeGreaterThan(1);
    await expectUnchanged(server, async () => {
      for (const act of actions(headers, draft.id, { "if-match": `"${String(version)}"` })) {
        expect((await expectError(await act(), 412, "precondition_failed")).details).toEqual({ currentRevision: 1 });
      }
    });
    expect(await server.app.store.accounts.draft(STORY, draft.id)).toEqual(draft);
  });

  it("tells another contributor nothing about a draft that is not theirs, open, published, discarded or never there", async () => {
    const owner = await contributor();
    const prober = await contributor();
    const open = await newDraft(owner.user.id, 3);
    const published = await newDraft(owner.user.id, 4);
    const discarded = await newDraft(owner.user.id, 5);
    expect((await raw(server.url, `${drafts}/${published.id}/publish`)).status).toBe(201);
    expect((await raw(server.url, `${drafts}/${discarded.id}`, { method: "DELETE" })).status).toBe(204);
    const answers = new Set<string>();
    await expectUnchanged(server, async () => {
      for (const id of [open.id, published.id, discarded.id, "d_never", "d_..%2F..%2Fetc", encodeURIComponent("d_' OR 1=1 --")]) {
        for (const ifMatch of [{}, { "if-match": '"1"' }] as Record<string, string>[]) {
          for (const act of actions(prober.headers, id, ifMatch).slice(0, 2)) {
            const error = await expectError(await act(), 404, "draft_not_found");
            answers.add(JSON.stringify(error));
          }
        }
      }
    });
    expect([...answers]).toEqual([JSON.stringify({ code: "draft_not_found", message: "No such draft." })]);
    // Its author is told what became of it, with an old revision or none: never a 200 for nothing.
    for (const [id, code] of [[published.id, "draft_published"], [discarded.id, "draft_discarded"]] as const) {
      for (const act of actions(owner.headers, id, { "if-match": '"1"' }).slice(0, 2)) {
        expect((await expectError(await act(), 409, code)).details).toMatchObject({ by: { name: "Newsroom" }, at: expect.any(String) });
      }
    }
  });
});
