import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSecret, secretHash } from "../auth/secrets.js";
import type { TestServer } from "./harness.js";
import { codeOf, send, type Account } from "./accounts-helpers.js";
import { deskWithAccounts, itNeverSawAHash, stateOf, STORY } from "./desk-accounts.js";

/**
 * Roles and token scopes on every write route: anonymous, contributor, editor, admin, and an
 * admin's `write` and `manage` tokens, each route's outcome for each; a refusal changes nothing.
 */

describe("editor accounts", () => {
  let server: TestServer;
  let admin: Account;
  let editor: Account;
  let contributor: Account;
  let other: Account;
  beforeAll(async () => {
    ({ server, accounts: [admin, editor, contributor, other] } = await deskWithAccounts());
  });
  afterAll(() => server.close());

  describe("roles and token scopes on every write route", () => {
    type Who = "anonymous" | "contributor" | "editor" | "admin" | "write token" | "manage token";
    const WHO: Who[] = ["anonymous", "contributor", "editor", "admin", "write token", "manage token"];
    let n = 0;
    const accountOf = (who: Who) => ({ anonymous: undefined, contributor, editor, admin, "write token": undefined, "manage token": undefined })[who];
    /** The admin's own API tokens, one of each scope: what a leaked admin token could do. */
    const tokenSecrets: Partial<Record<Who, string>> = {};
    beforeAll(async () => {
      for (const [who, scope] of [["write token", "write"], ["manage token", "manage"]] as const) {
        const secret = newSecret("lt_");
        tokenSecrets[who] = secret;
        await server.app.store.accounts.createToken({ id: `t_${scope}_scope`, name: `Admin ${scope}`, ownerId: admin.id, scopes: [scope], createdAt: new Date().toISOString() }, secretHash(secret));
      }
    });

    /** Fixtures made by the admin token or directly in the store, so that each request has its own target. */
    const newEntry = async () => {
      const res = await server.api(`/api/stories/${STORY}/entries`, { body: { body: `Fixture ${++n}` } });
      return ((await res.json()) as { entry: { id: string } }).entry.id;
    };
    const newFact = async () => {
      const id = `f_fixture${++n}`;
      expect((await server.api(`/api/stories/${STORY}/facts/${id}`, { method: "PUT", body: { label: "Fixture", value: `${n}` } })).status).toBe(200);
      return id;
    };
    const othersDraft = async () => {
      const now = new Date().toISOString();
      const id = `d_fixture${++n}`;
      await server.app.store.accounts.createDraft({ id, storyId: STORY, authorId: other.id, author: { name: other.username }, createdAt: now, updatedAt: now, body: `Draft ${n}`, kind: "update", pinned: false, revision: 1 });
      return id;
    };
    const newUser = async () => {
      const id = `u_fixture${++n}`;
      await server.app.store.accounts.createUser({ id, username: `fixture${n}`, displayName: `Fixture ${n}`, role: "editor", createdAt: new Date().toISOString(), mustChangePassword: false, passwordHash: "not-a-real-hash", deskLanguage: "en" });
      return id;
    };
    const tokenOf = async (who: Who) => {
      const id = `t_fixture${++n}`;
      const ownerId = who === "admin" ? editor.id : (accountOf(who) ?? editor).id; // admins may revoke anyone's
      await server.app.store.accounts.createToken({ id, name: `Fixture ${n}`, ownerId, scopes: ["write"], createdAt: new Date().toISOString() }, `fixture-hash-${n}`);
      return id;
    };

    type Expect = [status: number, code?: string];
    const FORBIDDEN: Expect = [403, "forbidden"];
    const NO_SCOPE: Expect = [403, "insufficient_scope"];
    const SESSION: Expect = [403, "session_required"];
    /** By default a `write` token does what its admin owner does, a `manage` token writes nothing. */
    const refusedByRole = (contributorOutcome: Expect, editorOutcome: Expect, adminOutcome: Expect, tokens?: { write: Expect; manage: Expect }): Record<Who, Expect> => ({
      anonymous: [401, "unauthorized"],
      contributor: contributorOutcome,
      editor: editorOutcome,
      admin: adminOutcome,
      "write token": tokens?.write ?? adminOutcome,
      "manage token": tokens?.manage ?? NO_SCOPE,
    });
    const NEEDS_SESSION = { write: SESSION, manage: SESSION };

    const routes: { method: string; route: string; setup: (who: Who) => Promise<{ path: string; body?: unknown }>; expect: Record<Who, Expect> }[] = [
      { method: "POST", route: "/api/stories", setup: async () => ({ path: "/api/stories", body: { title: `Roles ${++n}` } }), expect: refusedByRole(FORBIDDEN, [201], [201]) },
      { method: "PATCH", route: "/api/stories/:id", setup: async () => ({ path: `/api/stories/${STORY}`, body: { summary: `Summary ${++n}` } }), expect: refusedByRole(FORBIDDEN, [200], [200]) },
      { method: "POST", route: "/api/stories/:id/entries", setup: async () => ({ path: `/api/stories/${STORY}/entries`, body: { body: `Entry ${++n}` } }), expect: refusedByRole(FORBIDDEN, [201], [201]) },
      { method: "POST", route: "/api/stories/:id/entries/batch", setup: async () => ({ path: `/api/stories/${STORY}/entries/batch`, body: { entries: [{ body: `Batch ${++n}` }, { body: `Batch ${++n}` }] } }), expect: refusedByRole(FORBIDDEN, [201], [201]) },
      { method: "PATCH", route: "/api/stories/:id/entries/:entryId", setup: async () => ({ path: `/api/stories/${STORY}/entries/${await newEntry()}`, body: { body: `Edited ${++n}` } }), expect: refusedByRole(FORBIDDEN, [200], [200]) },
      { method: "DELETE", route: "/api/stories/:id/entries/:entryId", setup: async () => ({ path: `/api/stories/${STORY}/entries/${await newEntry()}` }), expect: refusedByRole(FORBIDDEN, [200], [200]) },
      // Key figures: editors' work, like entries (at most 12 per story: these leave 6 at most).
      { method: "PUT", route: "/api/stories/:id/facts/:factId", setup: async () => ({ path: `/api/stories/${STORY}/facts/f_roles${++n}`, body: { label: "Injured", value: `${n}` } }), expect: refusedByRole(FORBIDDEN, [200], [200]) },
      { method: "DELETE", route: "/api/stories/:id/facts/:factId", setup: async () => ({ path: `/api/stories/${STORY}/facts/${await newFact()}` }), expect: refusedByRole(FORBIDDEN, [200], [200]) },
      { method: "POST", route: "/api/stories/:id/drafts", setup: async () => ({ path: `/api/stories/${STORY}/drafts`, body: { body: `Draft ${++n}` } }), expect: refusedByRole([201], [201], [201]) },
      { method: "PATCH", route: "/api/stories/:id/drafts/:draftId (another's)", setup: async () => ({ path: `/api/stories/${STORY}/drafts/${await othersDraft()}`, body: { body: `Redrafted ${++n}` } }), expect: refusedByRole([404, "draft_not_found"], [200], [200]) },
      { method: "DELETE", route: "/api/stories/:id/drafts/:draftId (another's)", setup: async () => ({ path: `/api/stories/${STORY}/drafts/${await othersDraft()}` }), expect: refusedByRole([404, "draft_not_found"], [204], [204]) },
      { method: "POST", route: "/api/stories/:id/drafts/:draftId/publish", setup: async () => ({ path: `/api/stories/${STORY}/drafts/${await othersDraft()}/publish` }), expect: refusedByRole(FORBIDDEN, [201], [201]) },
      { method: "GET", route: "/api/users", setup: async () => ({ path: "/api/users" }), expect: refusedByRole(FORBIDDEN, FORBIDDEN, [200], { write: NO_SCOPE, manage: [200] }) },
      { method: "POST", route: "/api/users", setup: async () => ({ path: "/api/users", body: { username: `made${++n}`, role: "editor" } }), expect: refusedByRole(FORBIDDEN, FORBIDDEN, [201], NEEDS_SESSION) },
      { method: "PATCH", route: "/api/users/:id", setup: async () => ({ path: `/api/users/${await newUser()}`, body: { role: "contributor" } }), expect: refusedByRole(FORBIDDEN, FORBIDDEN, [200], NEEDS_SESSION) },
      { method: "POST", route: "/api/users/:id/password", setup: async () => ({ path: `/api/users/${await newUser()}/password` }), expect: refusedByRole(FORBIDDEN, FORBIDDEN, [200], NEEDS_SESSION) },
      { method: "DELETE", route: "/api/users/:id", setup: async () => ({ path: `/api/users/${await newUser()}` }), expect: refusedByRole(FORBIDDEN, FORBIDDEN, [204], NEEDS_SESSION) },
      { method: "GET", route: "/api/tokens", setup: async () => ({ path: "/api/tokens" }), expect: refusedByRole(FORBIDDEN, [200], [200], { write: NO_SCOPE, manage: [200] }) },
      { method: "POST", route: "/api/tokens", setup: async () => ({ path: "/api/tokens", body: { name: `Token ${++n}` } }), expect: refusedByRole(FORBIDDEN, [201], [201], NEEDS_SESSION) },
      { method: "DELETE", route: "/api/tokens/:id", setup: async (who) => ({ path: `/api/tokens/${await tokenOf(who)}` }), expect: refusedByRole(FORBIDDEN, [204], [204], { write: NO_SCOPE, manage: [204] }) },
    ];

    for (const { method, route, setup, expect: outcomes } of routes) {
      it(`${method} ${route}: ${WHO.map((who) => `${who} → ${outcomes[who][0]}`).join(", ")}`, async () => {
        for (const who of WHO) {
          const { path, body } = await setup(who);
          const before = await stateOf(server.app.store);
          const account = accountOf(who);
          const credentials = account ? { cookie: account.cookie } : tokenSecrets[who] ? { bearer: tokenSecrets[who], site: null } : {};
          const reply = await send(server.url, path, { method, ...(body === undefined ? {} : { body }), ...credentials });
          const [status, code] = outcomes[who];
          expect([who, reply.status], JSON.stringify(reply.body)).toEqual([who, status]);
          if (status >= 400) {
            expect([who, codeOf(reply)]).toEqual([who, code]);
            expect(await stateOf(server.app.store), `${who}: ${method} ${path} changed the store`).toBe(before);
          } else if (method !== "GET") {
            expect(await stateOf(server.app.store), `${who}: ${method} ${path} changed nothing`).not.toBe(before);
          }
        }
      });
    }
  });

  itNeverSawAHash(90);
});
