import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { newSecret, secretHash } from "../auth/secrets.js";
import { loadConfig } from "../config.js";
import { createAccount } from "../auth/accounts-service.js";
import { SqliteStore } from "../store/sqlite-store.js";
import type { Store } from "../store/store.js";
import { children, startChild, stopChild } from "./child-server.js";
import { startServer, TOKEN, type TestServer } from "./harness.js";
import { activeAccount, bodiesScanned, codeOf, expectError, send, sessionCookieOf, serverWithAccounts, signIn, type Account, type Reply } from "./accounts-helpers.js";

/**
 * Editor accounts over HTTP (issue 4, /api/session, /api/users, /api/tokens): sign-in and its
 * cookie, revocation, one-time passwords, CSRF, lockout, roles on every write route, API tokens,
 * first start and the user CLI. Every JSON body seen is checked for password and secret hashes.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// The browser-like client and the accounts are in ./accounts-helpers.ts (shared with drafts.test.ts).

const attributesOf = (setCookie: string) => setCookie.split(";").slice(1).map((a) => a.trim());

/** Everything a refused request must leave alone: stories, their drafts, users and tokens. */
async function stateOf(store: Store): Promise<string> {
  const stories = await store.listStories();
  return JSON.stringify({
    stories,
    latest: await Promise.all(stories.map((s) => store.latest(s.id))),
    drafts: await Promise.all(stories.map((s) => store.accounts.listDrafts(s.id))),
    users: await store.accounts.listUsers(),
    hashes: await Promise.all((await store.accounts.listUsers()).map(async (u) => (await store.accounts.userById(u.id))?.passwordHash)),
    // When a token was last used is bookkeeping of its use, refused or not: not a change it made.
    tokens: (await store.accounts.listTokens()).map(({ lastUsedAt: _used, ...token }) => token),
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// ---------------------------------------------------------------------------------------------

describe("editor accounts", () => {
  let server: TestServer;
  let admin: Account;
  let editor: Account;
  let contributor: Account;
  /** Another contributor, whose drafts the first one must not touch. */
  let other: Account;
  const STORY = "desk";

  beforeAll(async () => {
    ({ server, accounts: [admin, editor, contributor, other] } = await serverWithAccounts({ id: STORY, title: "Desk" }, [
      ["alice", "admin"],
      ["eddie", "editor"],
      ["connie", "contributor"],
      ["otto", "contributor"],
    ]));
  });
  afterAll(() => server.close());

  describe("sign-in", () => {
    it("answers {user} without any hash and sets an HttpOnly, SameSite=Strict, host-wide cookie (no Secure on http)", async () => {
      const reply = await signIn(server, editor.username, editor.password);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        user: { id: editor.id, username: "eddie", displayName: "eddie", role: "editor", createdAt: expect.any(String), mustChangePassword: false },
      });
      const header = reply.setCookies.find((c) => c.startsWith("lt_session="))!;
      expect(header).toBeDefined();
      const attributes = attributesOf(header).map((a) => a.toLowerCase());
      expect(attributes).toContain("httponly");
      expect(attributes).toContain("samesite=strict");
      expect(attributes).toContain("path=/");
      expect(attributes).not.toContain("secure");
      expect(attributes.some((a) => a.startsWith("domain="))).toBe(false);
      expect(sessionCookieOf(reply).length).toBeGreaterThan("lt_session=".length + 40); // 256 random bits
    });

    it("starts a new session on every sign-in, and one sent with the old cookie revokes the old session", async () => {
      const first = sessionCookieOf(await signIn(server, editor.username, editor.password));
      const second = sessionCookieOf(await signIn(server, editor.username, editor.password));
      expect(second).not.toBe(first);
      // Two sign-ins without a cookie are two browsers: both stay signed in.
      expect((await send(server.url, "/api/session", { cookie: first })).status).toBe(200);
      expect((await send(server.url, "/api/session", { cookie: second })).status).toBe(200);

      const third = sessionCookieOf(await signIn(server, editor.username, editor.password, { cookie: first }));
      expect(third).not.toBe(first);
      expectError(await send(server.url, "/api/session", { cookie: first }), 401, "session_expired");
      expect((await send(server.url, "/api/session", { cookie: third })).status).toBe(200);
      expect((await send(server.url, "/api/session", { cookie: second })).status).toBe(200);
    });

    it("says who is signed in, and 401 unauthorized to nobody", async () => {
      const reply = await send(server.url, "/api/session", { cookie: contributor.cookie });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ user: { id: contributor.id, username: "connie", displayName: "connie", role: "contributor", createdAt: expect.any(String), mustChangePassword: false } });
      expect(reply.headers.get("cache-control")).toBe("no-store");
      expectError(await send(server.url, "/api/session"), 401, "unauthorized");
      expectError(await send(server.url, "/api/session", { bearer: TOKEN }), 401, "unauthorized"); // tokens have no session
    });

    it("signs out with 204 and clears the cookie, which no longer works (401 session_expired)", async () => {
      const cookie = sessionCookieOf(await signIn(server, editor.username, editor.password));
      const out = await send(server.url, "/api/session", { method: "DELETE", cookie });
      expect(out.status).toBe(204);
      const cleared = out.setCookies.find((c) => c.startsWith("lt_session="));
      expect(cleared).toMatch(/^lt_session=;/);
      expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
      const after = await send(server.url, "/api/session", { cookie });
      expectError(after, 401, "session_expired");
      expectError(await send(server.url, `/api/stories/${STORY}/entries`, { cookie, body: { body: "After logout" } }), 401, "session_expired");
    });

    it("answers an unknown name and a wrong password alike: 401 invalid_credentials, same message", async () => {
      const unknown = await signIn(server, "nobody-here", "whatever-password-1");
      const wrong = await signIn(server, editor.username, "not-the-password-1");
      expectError(unknown, 401, "invalid_credentials");
      expectError(wrong, 401, "invalid_credentials");
      expect(unknown.body).toEqual(wrong.body);
      expect(unknown.setCookies.filter((c) => c.startsWith("lt_session="))).toEqual([]);
      expect(wrong.setCookies.filter((c) => c.startsWith("lt_session="))).toEqual([]);
    });

    it("ends idle sessions after 2 h and any session after 12 h", async () => {
      const accounts = server.app.store.accounts;
      const idle = newSecret();
      const old = newSecret();
      const now = Date.now();
      await accounts.createSession({ idHash: secretHash(idle), userId: editor.id, createdAt: now - 3 * 3600_000, lastSeenAt: now - 2 * 3600_000 - 60_000 });
      await accounts.createSession({ idHash: secretHash(old), userId: editor.id, createdAt: now - 12 * 3600_000 - 60_000, lastSeenAt: now });
      expectError(await send(server.url, "/api/session", { cookie: `lt_session=${idle}` }), 401, "session_expired");
      expectError(await send(server.url, "/api/session", { cookie: `lt_session=${old}` }), 401, "session_expired");
      expect(await accounts.session(secretHash(idle))).toBeUndefined();
      expect(await accounts.session(secretHash(old))).toBeUndefined();
    });
  });

  describe("revoked sessions", () => {
    it("a password change keeps this session and revokes the user's others", async () => {
      const user = await activeAccount(server, "pat", "editor");
      const elsewhere = sessionCookieOf(await signIn(server, user.username, user.password));
      const newPassword = "pat-second-password-99";
      const changed = await send(server.url, "/api/session/password", { cookie: user.cookie, body: { currentPassword: user.password, newPassword } });
      expect(changed.status).toBe(204);
      expect((await send(server.url, "/api/session", { cookie: user.cookie })).status).toBe(200);
      expectError(await send(server.url, "/api/session", { cookie: elsewhere }), 401, "session_expired");
      expectError(await signIn(server, user.username, user.password), 401, "invalid_credentials");
      expect((await signIn(server, user.username, newPassword)).status).toBe(200);
    });

    it("refuses a password change with the wrong current password (401 invalid_credentials), counted like failed sign-ins", async () => {
      const user = await activeAccount(server, "quinn", "editor");
      const refused = await send(server.url, "/api/session/password", {
        cookie: user.cookie,
        body: { currentPassword: "not-my-password-1", newPassword: "a-perfectly-long-one" },
      });
      expectError(refused, 401, "invalid_credentials");
      expect((await signIn(server, user.username, user.password)).status).toBe(200);
      // A stolen session is no way around the lockout: five wrong guesses and the next is refused.
      for (let n = 0; n < 5; n++) {
        const wrong = { currentPassword: `still-wrong-${n}-guess`, newPassword: "a-perfectly-long-one" };
        expectError(await send(server.url, "/api/session/password", { cookie: user.cookie, body: wrong }), 401, "invalid_credentials");
      }
      const locked = await send(server.url, "/api/session/password", {
        cookie: user.cookie,
        body: { currentPassword: user.password, newPassword: "a-perfectly-long-one" },
      });
      expectError(locked, 429, "rate_limited");
      expect(locked.headers.get("retry-after")).toMatch(/^\d+$/);
    });

    it("an admin's password reset revokes every session and sets a new one-time password", async () => {
      const user = await activeAccount(server, "rita", "editor");
      const reset = await send(server.url, `/api/users/${user.id}/password`, { method: "POST", cookie: admin.cookie });
      expect(reset.status).toBe(200);
      expect(reset.body).toEqual({ password: expect.stringMatching(/^[a-z2-9]{5}(-[a-z2-9]{5}){4}$/) });
      expectError(await send(server.url, "/api/session", { cookie: user.cookie }), 401, "session_expired");
      expectError(await signIn(server, user.username, user.password), 401, "invalid_credentials");
      const again = await signIn(server, user.username, reset.body.password);
      expect(again.status).toBe(200);
      expect(again.body.user.mustChangePassword).toBe(true);
    });

    it("a deleted user's session and tokens stop working", async () => {
      const user = await activeAccount(server, "sam", "editor");
      const token = await send(server.url, "/api/tokens", { cookie: user.cookie, body: { name: "Sam's feed" } });
      expect(token.status).toBe(201);
      expect((await send(server.url, `/api/users/${user.id}`, { method: "DELETE", cookie: admin.cookie })).status).toBe(204);
      expectError(await send(server.url, "/api/session", { cookie: user.cookie }), 401, "session_expired");
      expectError(await send(server.url, `/api/stories/${STORY}/entries`, { cookie: user.cookie, body: { body: "Ghost" } }), 401, "session_expired");
      expectError(await send(server.url, `/api/stories/${STORY}/entries`, { bearer: token.body.secret, body: { body: "Ghost" } }), 401, "unauthorized");
      expectError(await signIn(server, user.username, user.password), 401, "invalid_credentials");
    });

    it("a role change signs the user out, and the new role applies from the next sign-in", async () => {
      const user = await activeAccount(server, "tess", "editor");
      const changed = await send(server.url, `/api/users/${user.id}`, { method: "PATCH", cookie: admin.cookie, body: { role: "contributor" } });
      expect(changed.status).toBe(200);
      expect(changed.body.user).toMatchObject({ id: user.id, role: "contributor" });
      expectError(await send(server.url, "/api/session", { cookie: user.cookie }), 401, "session_expired");
      const cookie = sessionCookieOf(await signIn(server, user.username, user.password));
      expectError(await send(server.url, `/api/stories/${STORY}/entries`, { cookie, body: { body: "No longer" } }), 403, "forbidden");
    });
  });

  describe("one-time passwords", () => {
    it("allow nothing but choosing a password (403 password_change_required), which must be ≥ 12 characters", async () => {
      const { password } = await createAccount(server.app.store.accounts, "uma", "editor");
      const first = await signIn(server, "uma", password);
      expect(first.status).toBe(200);
      expect(first.body.user).toMatchObject({ username: "uma", role: "editor", mustChangePassword: true });
      const cookie = sessionCookieOf(first);
      const before = await stateOf(server.app.store);
      expectError(await send(server.url, `/api/stories/${STORY}/entries`, { cookie, body: { body: "Too early" } }), 403, "password_change_required");
      expectError(await send(server.url, "/api/stories", { cookie, body: { title: "Too early" } }), 403, "password_change_required");
      expectError(await send(server.url, `/api/stories/${STORY}/drafts`, { cookie, body: { body: "Too early" } }), 403, "password_change_required");
      expectError(await send(server.url, "/api/tokens", { cookie, body: { name: "Too early" } }), 403, "password_change_required");
      expect(await stateOf(server.app.store)).toBe(before);

      const short = await send(server.url, "/api/session/password", { cookie, body: { currentPassword: password, newPassword: "elevenchars" } });
      expectError(short, 400, "validation_failed");
      expect((await send(server.url, "/api/session", { cookie })).body.user.mustChangePassword).toBe(true);

      const ok = await send(server.url, "/api/session/password", { cookie, body: { currentPassword: password, newPassword: "twelve-chars" } });
      expect(ok.status).toBe(204);
      expect((await send(server.url, "/api/session", { cookie })).body.user.mustChangePassword).toBe(false);
      expect((await send(server.url, `/api/stories/${STORY}/entries`, { cookie, body: { body: "Now I may" } })).status).toBe(201);
      expectError(await signIn(server, "uma", password), 401, "invalid_credentials");
    });
  });

  describe("CSRF", () => {
    const entries = `/api/stories/${STORY}/entries`;

    it("refuses cookie-authenticated writes from other sites, and writes without any same-site signal", async () => {
      const before = await stateOf(server.app.store);
      expectError(await send(server.url, entries, { cookie: editor.cookie, site: "cross-site", body: { body: "CSRF" } }), 403, "csrf_rejected");
      expectError(
        await send(server.url, entries, { cookie: editor.cookie, site: null, headers: { origin: "https://evil.example" }, body: { body: "CSRF" } }),
        403,
        "csrf_rejected",
      );
      expectError(await send(server.url, entries, { cookie: editor.cookie, site: null, body: { body: "CSRF" } }), 403, "csrf_rejected");
      expectError(
        await send(server.url, `/api/stories/${STORY}`, { method: "PATCH", cookie: editor.cookie, site: "cross-site", body: { title: "CSRF" } }),
        403,
        "csrf_rejected",
      );
      expectError(await send(server.url, "/api/session", { method: "DELETE", cookie: editor.cookie, site: "cross-site" }), 403, "csrf_rejected");
      expect(await stateOf(server.app.store)).toBe(before);
      expect((await send(server.url, "/api/session", { cookie: editor.cookie })).status).toBe(200); // still signed in
    });

    it("accepts the site's own Origin when Fetch Metadata is missing", async () => {
      const reply = await send(server.url, entries, { cookie: editor.cookie, site: null, headers: { origin: server.url }, body: { body: "Same origin" } });
      expect(reply.status).toBe(201);
    });

    it("refuses a sign-in posted from another site, or with no same-site signal", async () => {
      const cross = await signIn(server, editor.username, editor.password, { site: "cross-site" });
      expectError(cross, 403, "csrf_rejected");
      expect(cross.setCookies).toEqual([]);
      const evil = await signIn(server, editor.username, editor.password, { site: null, headers: { origin: "https://evil.example" } });
      expectError(evil, 403, "csrf_rejected");
      expectError(await signIn(server, editor.username, editor.password, { site: null }), 403, "csrf_rejected");
    });

    it("never changes anything on GET, not even on write paths", async () => {
      const draft = await send(server.url, `/api/stories/${STORY}/drafts`, { cookie: contributor.cookie, body: { body: "Draft for GETs" } });
      expect(draft.status).toBe(201);
      const draftId = draft.body.draft.id as string;
      const before = await stateOf(server.app.store);
      for (const [path, cookie] of [
        [entries, editor.cookie],
        [`/api/stories/${STORY}/drafts/${draftId}/publish`, editor.cookie],
        [`/api/users/${contributor.id}/password`, admin.cookie],
        [`/api/tokens/new`, editor.cookie],
      ] as const) {
        for (const site of ["same-origin", "cross-site"]) {
          const reply = await send(server.url, path, { cookie, site });
          expect([path, reply.status]).toEqual([path, 404]);
          expect(codeOf(reply)).toBe("not_found");
        }
      }
      expect(await stateOf(server.app.store)).toBe(before);
      expect((await signIn(server, contributor.username, contributor.password)).status).toBe(200); // password not reset
    });
  });

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
    const othersDraft = async () => {
      const now = new Date().toISOString();
      const id = `d_fixture${++n}`;
      await server.app.store.accounts.createDraft({ id, storyId: STORY, authorId: other.id, author: { name: other.username }, createdAt: now, updatedAt: now, body: `Draft ${n}`, kind: "update", pinned: false, revision: 1 });
      return id;
    };
    const newUser = async () => {
      const id = `u_fixture${++n}`;
      await server.app.store.accounts.createUser({ id, username: `fixture${n}`, displayName: `Fixture ${n}`, role: "editor", createdAt: new Date().toISOString(), mustChangePassword: false, passwordHash: "not-a-real-hash" });
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
      { method: "PATCH", route: "/api/stories/:id/entries/:entryId", setup: async () => ({ path: `/api/stories/${STORY}/entries/${await newEntry()}`, body: { body: `Edited ${++n}` } }), expect: refusedByRole(FORBIDDEN, [200], [200]) },
      { method: "DELETE", route: "/api/stories/:id/entries/:entryId", setup: async () => ({ path: `/api/stories/${STORY}/entries/${await newEntry()}` }), expect: refusedByRole(FORBIDDEN, [200], [200]) },
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

  describe("API tokens", () => {
    it("shows the secret once; the token writes as its owner until it is revoked", async () => {
      const created = await send(server.url, "/api/tokens", { cookie: editor.cookie, body: { name: "Wire feed" } });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        token: expect.objectContaining({ id: expect.stringMatching(/^t_/), name: "Wire feed", owner: "eddie", role: "editor", scopes: ["write"], createdAt: expect.any(String) }),
        secret: expect.stringMatching(/^lt_[A-Za-z0-9_-]{43}$/),
      });
      const { token, secret } = created.body as { token: { id: string }; secret: string };

      const listed = await send(server.url, "/api/tokens", { cookie: editor.cookie });
      expect(listed.status).toBe(200);
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      expect(JSON.stringify(listed.body)).not.toContain(secret.slice(3));
      expect(JSON.stringify(listed.body)).not.toContain(secretHash(secret));
      const entry = listed.body.tokens.find((t: { id: string }) => t.id === token.id);
      const allowed = ["id", "name", "owner", "ownerId", "role", "scopes", "createdAt", "lastUsedAt"];
      for (const t of [...listed.body.tokens, created.body.token]) expect(Object.keys(t).filter((key) => !allowed.includes(key))).toEqual([]);
      expect(entry).toMatchObject({ name: "Wire feed", owner: "eddie", role: "editor" });

      // No cookie, no Fetch Metadata: a newsroom system, not a browser.
      const written = await send(server.url, `/api/stories/${STORY}/entries`, { bearer: secret, site: null, body: { body: "Via token" } });
      expect(written.status).toBe(201);
      expect(written.body.entry.author).toEqual({ name: "eddie" });
      const history = await send(server.url, `/api/stories/${STORY}/history?limit=1`);
      expect(history.body.versions[0]).toMatchObject({ version: written.body.version, author: { name: "eddie" } });
      const used = await send(server.url, "/api/tokens", { cookie: editor.cookie });
      expect(used.body.tokens.find((t: { id: string }) => t.id === token.id).lastUsedAt).toEqual(expect.any(String));

      expect((await send(server.url, `/api/tokens/${token.id}`, { method: "DELETE", cookie: editor.cookie })).status).toBe(204);
      const before = await stateOf(server.app.store);
      expectError(await send(server.url, `/api/stories/${STORY}/entries`, { bearer: secret, site: null, body: { body: "Revoked" } }), 401, "unauthorized");
      expect(await stateOf(server.app.store)).toBe(before);
      expectError(await send(server.url, `/api/tokens/${token.id}`, { method: "DELETE", cookie: editor.cookie }), 404, "token_not_found");
    });

    it("lists an editor's own tokens only, and everybody's to an admin", async () => {
      const second = await activeAccount(server, "vera", "editor");
      const mine = await send(server.url, "/api/tokens", { cookie: editor.cookie, body: { name: "Eddie's" } });
      const hers = await send(server.url, "/api/tokens", { cookie: second.cookie, body: { name: "Vera's" } });
      expect([mine.status, hers.status]).toEqual([201, 201]);
      const ids = (reply: Reply) => (reply.body.tokens as { id: string }[]).map((t) => t.id);
      const eddie = await send(server.url, "/api/tokens", { cookie: editor.cookie });
      const vera = await send(server.url, "/api/tokens", { cookie: second.cookie });
      const all = await send(server.url, "/api/tokens", { cookie: admin.cookie });
      expect(ids(eddie)).toContain(mine.body.token.id);
      expect(ids(eddie)).not.toContain(hers.body.token.id);
      expect(ids(vera)).toEqual([hers.body.token.id]);
      expect(ids(all)).toEqual(expect.arrayContaining([mine.body.token.id, hers.body.token.id]));
      expect((eddie.body.tokens as { owner: string }[]).every((t) => t.owner === "eddie")).toBe(true);
      // An editor cannot revoke someone else's token: it does not exist for them.
      expectError(await send(server.url, `/api/tokens/${hers.body.token.id}`, { method: "DELETE", cookie: editor.cookie }), 404, "token_not_found");
      expect((await send(server.url, `/api/tokens/${hers.body.token.id}`, { method: "DELETE", cookie: admin.cookie })).status).toBe(204);
    });

    it("are not for contributors (403 forbidden)", async () => {
      const before = await stateOf(server.app.store);
      expectError(await send(server.url, "/api/tokens", { cookie: contributor.cookie, body: { name: "Mine" } }), 403, "forbidden");
      expectError(await send(server.url, "/api/tokens", { cookie: contributor.cookie }), 403, "forbidden");
      expect(await stateOf(server.app.store)).toBe(before);
    });
  });

  describe("management needs a signed-in session (issue 12)", () => {
    it("a token can never create a token or an account, whatever its scopes: 403 session_required", async () => {
      const tokens: Record<string, string> = {};
      for (const scopes of [["write"], ["manage"], ["write", "manage"]]) {
        const made = await send(server.url, "/api/tokens", { cookie: admin.cookie, body: { name: `Admin ${scopes.join("+")}`, scopes } });
        expect(made.status).toBe(201);
        expect(made.body.token.scopes).toEqual(scopes);
        tokens[scopes.join("+")] = made.body.secret;
      }
      const editorsToken = (await send(server.url, "/api/tokens", { cookie: editor.cookie, body: { name: "Eddie's importer" } })).body.secret as string;
      const before = await stateOf(server.app.store);
      for (const secret of [...Object.values(tokens), editorsToken]) {
        const asToken = { bearer: secret, site: null };
        expectError(await send(server.url, "/api/tokens", { ...asToken, body: { name: "Successor" } }), 403, "session_required");
        expectError(await send(server.url, "/api/tokens", { ...asToken, body: { name: "Successor", scopes: ["manage"] } }), 403, "session_required");
      }
      for (const secret of Object.values(tokens)) {
        const asToken = { bearer: secret, site: null };
        expectError(await send(server.url, "/api/users", { ...asToken, body: { username: "minted", role: "admin" } }), 403, "session_required");
        expectError(await send(server.url, `/api/users/${editor.id}`, { ...asToken, method: "PATCH", body: { role: "admin" } }), 403, "session_required");
        expectError(await send(server.url, `/api/users/${editor.id}/password`, { ...asToken, method: "POST" }), 403, "session_required");
        expectError(await send(server.url, "/api/session", { ...asToken, method: "PATCH", body: { displayName: "Renamed" } }), 401, "unauthorized");
      }
      expect(await stateOf(server.app.store)).toBe(before);
      // The operator's TICKER_ADMIN_TOKEN still manages accounts (it is configuration, not issued here).
      const byOperator = await send(server.url, "/api/users", { bearer: TOKEN, site: null, body: { username: "by-operator", role: "contributor" } });
      expect(byOperator.status).toBe(201);
    });

    it("checks token scopes when they are chosen: write and/or manage, each once", async () => {
      for (const scopes of [[], ["admin"], ["write", "write"], "write", ["write", "manage", "write"]]) {
        expectError(await send(server.url, "/api/tokens", { cookie: editor.cookie, body: { name: "Odd", scopes } }), 400, "validation_failed");
      }
      const made = await send(server.url, "/api/tokens", { cookie: editor.cookie, body: { name: "Both", scopes: ["manage", "write"] } });
      expect(made.body.token.scopes).toEqual(["write", "manage"]); // one order, whatever was asked
      const listed = await send(server.url, "/api/tokens", { cookie: editor.cookie });
      expect(listed.body.tokens.find((t: { id: string }) => t.id === made.body.token.id).scopes).toEqual(["write", "manage"]);
    });

    it("an admin whose sign-in is older than 15 minutes gives the password again (403 reauthentication_required); looking needs no new sign-in", async () => {
      const stale = newSecret();
      const now = Date.now();
      await server.app.store.accounts.createSession({ idHash: secretHash(stale), userId: admin.id, createdAt: now - 16 * 60_000, lastSeenAt: now });
      const cookie = `lt_session=${stale}`;
      const before = await stateOf(server.app.store);
      expectError(await send(server.url, "/api/users", { cookie, body: { username: "too-late", role: "admin" } }), 403, "reauthentication_required");
      expectError(await send(server.url, `/api/users/${editor.id}`, { cookie, method: "PATCH", body: { role: "admin" } }), 403, "reauthentication_required");
      expectError(await send(server.url, `/api/users/${editor.id}/password`, { cookie, method: "POST" }), 403, "reauthentication_required");
      expectError(await send(server.url, `/api/users/${editor.id}`, { cookie, method: "DELETE" }), 403, "reauthentication_required");
      expectError(await send(server.url, "/api/tokens", { cookie, body: { name: "Too late" } }), 403, "reauthentication_required");
      expect(await stateOf(server.app.store)).toBe(before);
      expect((await send(server.url, "/api/users", { cookie })).status).toBe(200);
      expect((await send(server.url, "/api/tokens", { cookie })).status).toBe(200);
      // Stories are not management: the session writes as usual.
      expect((await send(server.url, `/api/stories/${STORY}/entries`, { cookie, body: { body: "Still writing" } })).status).toBe(201);

      // Re-authenticating is signing in again from the same browser: a new session, fresh.
      const again = await signIn(server, admin.username, admin.password, { cookie });
      expect(again.status).toBe(200);
      const fresh = sessionCookieOf(again);
      expectError(await send(server.url, "/api/session", { cookie }), 401, "session_expired");
      expect((await send(server.url, "/api/users", { cookie: fresh, body: { username: "in-time", role: "contributor" } })).status).toBe(201);
    });

    it("an editor's older session still makes and revokes its own tokens (the recent sign-in is for admins)", async () => {
      const older = newSecret();
      const now = Date.now();
      await server.app.store.accounts.createSession({ idHash: secretHash(older), userId: editor.id, createdAt: now - 60 * 60_000, lastSeenAt: now });
      const made = await send(server.url, "/api/tokens", { cookie: `lt_session=${older}`, body: { name: "Late shift" } });
      expect(made.status).toBe(201);
      expect((await send(server.url, `/api/tokens/${made.body.token.id}`, { method: "DELETE", cookie: `lt_session=${older}` })).status).toBe(204);
    });
  });

  describe("display names", () => {
    it("bylines show the display name, never the login name: entries, drafts, history, by session or token", async () => {
      const writer = await activeAccount(server, "xavier", "editor");
      const renamed = await send(server.url, "/api/session", { method: "PATCH", cookie: writer.cookie, body: { displayName: "  Xavier Dupont, Kyiv  " } });
      expect(renamed.status).toBe(200);
      expect(renamed.body.user).toMatchObject({ id: writer.id, username: "xavier", displayName: "Xavier Dupont, Kyiv" });
      expect((await send(server.url, "/api/session", { cookie: writer.cookie })).body.user.displayName).toBe("Xavier Dupont, Kyiv");

      const bySession = await send(server.url, `/api/stories/${STORY}/entries`, { cookie: writer.cookie, body: { body: "By session" } });
      expect(bySession.body.entry.author).toEqual({ name: "Xavier Dupont, Kyiv" });
      const secret = (await send(server.url, "/api/tokens", { cookie: writer.cookie, body: { name: "Xavier's feed" } })).body.secret as string;
      const byToken = await send(server.url, `/api/stories/${STORY}/entries`, { bearer: secret, site: null, body: { body: "By token" } });
      expect(byToken.body.entry.author).toEqual({ name: "Xavier Dupont, Kyiv" });
      const history = await send(server.url, `/api/stories/${STORY}/history?limit=2`);
      expect(history.body.versions.map((v: { author: { name: string } }) => v.author.name)).toEqual(["Xavier Dupont, Kyiv", "Xavier Dupont, Kyiv"]);

      const contributorNamed = await send(server.url, "/api/session", { method: "PATCH", cookie: contributor.cookie, body: { displayName: "Connie C." } });
      expect(contributorNamed.status).toBe(200);
      const draft = await send(server.url, `/api/stories/${STORY}/drafts`, { cookie: contributor.cookie, body: { body: "Drafted" } });
      expect(draft.body.draft.author).toEqual({ name: "Connie C." });

      // No login name of these writers anywhere a reader looks.
      const story = JSON.stringify((await send(server.url, `/api/stories/${STORY}`)).body);
      const versions = JSON.stringify((await send(server.url, `/api/stories/${STORY}/history?limit=500`)).body);
      for (const login of ['"xavier"', '"connie"']) {
        expect(story).not.toContain(login);
        expect(versions).not.toContain(login);
      }
    });

    it("are one line of plain text, at most 80 characters; admins set anyone's, accounts start with their login name", async () => {
      for (const displayName of ["", "   ", "a\nb", "tab\there", "bell\u0007", "x".repeat(81), 5, "\u200b"]) {
        expectError(await send(server.url, "/api/session", { method: "PATCH", cookie: editor.cookie, body: { displayName } }), 400, "validation_failed");
      }
      expectError(await send(server.url, "/api/session", { method: "PATCH", cookie: editor.cookie, body: { displayName: "Eddie", role: "admin" } }), 400, "validation_failed");
      expectError(await send(server.url, "/api/session", { method: "PATCH", body: { displayName: "Nobody" } }), 401, "unauthorized");
      expect((await send(server.url, "/api/session", { method: "PATCH", cookie: editor.cookie, body: { displayName: "é".repeat(80) } })).status).toBe(200);

      const made = await send(server.url, "/api/users", { cookie: admin.cookie, body: { username: "yuki", role: "editor", displayName: "Yuki Tanaka" } });
      expect(made.body.user).toMatchObject({ username: "yuki", displayName: "Yuki Tanaka" });
      const plain = await send(server.url, "/api/users", { cookie: admin.cookie, body: { username: "zed", role: "editor" } });
      expect(plain.body.user.displayName).toBe("zed");
      const user = await activeAccount(server, "zora", "editor");
      const changed = await send(server.url, `/api/users/${user.id}`, { method: "PATCH", cookie: admin.cookie, body: { displayName: "Zora Z." } });
      expect(changed.body.user).toMatchObject({ username: "zora", displayName: "Zora Z.", role: "editor" });
      // A display name is no role change: the account stays signed in.
      expect((await send(server.url, "/api/session", { cookie: user.cookie })).body.user.displayName).toBe("Zora Z.");
      expectError(await send(server.url, `/api/users/${user.id}`, { method: "PATCH", cookie: admin.cookie, body: {} }), 400, "validation_failed");
      expectError(await send(server.url, `/api/users/${user.id}`, { method: "PATCH", cookie: editor.cookie, body: { displayName: "Not mine" } }), 403, "forbidden");
    });
  });

  describe("users (admin)", () => {
    it("creates an account with a one-time password shown once, lists accounts without hashes", async () => {
      const created = await send(server.url, "/api/users", { cookie: admin.cookie, body: { username: "wendy", role: "contributor" } });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        user: { id: expect.stringMatching(/^u_/), username: "wendy", displayName: "wendy", role: "contributor", createdAt: expect.any(String), mustChangePassword: true },
        password: expect.any(String),
      });
      const listed = await send(server.url, "/api/users", { cookie: admin.cookie });
      expect(listed.body.users).toContainEqual(created.body.user);
      for (const u of listed.body.users) expect(Object.keys(u).sort()).toEqual(["createdAt", "displayName", "id", "mustChangePassword", "role", "username"]);
      expect(JSON.stringify(listed.body)).not.toContain(created.body.password);
      expectError(await send(server.url, "/api/users", { cookie: admin.cookie, body: { username: "wendy", role: "editor" } }), 409, "user_exists");
      expectError(await send(server.url, "/api/users", { cookie: admin.cookie, body: { username: "Bad Name", role: "editor" } }), 400, "validation_failed");
      expectError(await send(server.url, `/api/users/${admin.id}`, { method: "DELETE", cookie: admin.cookie }), 409, "conflict");
      expectError(await send(server.url, "/api/users/u_nope", { method: "DELETE", cookie: admin.cookie }), 404, "user_not_found");
    });
  });

  describe("hashes", () => {
    it("were never in any JSON body of these tests", () => {
      expect(bodiesScanned()).toBeGreaterThan(150);
    });
  });
});

describe("login lockout", () => {
  let server: TestServer;
  let dora: Account;
  let erin: Account;
  let ivy: Account;
  let jay: Account;
  beforeAll(async () => {
    // Behind a trusted proxy (loopback), so that X-Forwarded-For stands for other client addresses.
    server = await startServer({ env: { TRUST_PROXY: "loopback", LOGIN_FAILURES_PER_ACCOUNT_TOTAL: "12" } });
    [dora, erin, ivy, jay] = await Promise.all([
      activeAccount(server, "dora", "editor"),
      activeAccount(server, "erin", "editor"),
      activeAccount(server, "ivy", "editor"),
      activeAccount(server, "jay", "editor"),
    ]);
  });
  const from = (address: string) => ({ headers: { "x-forwarded-for": address } });
  afterAll(() => server.close());

  const expectLocked = (reply: Reply) => {
    expectError(reply, 429, "rate_limited");
    const retryAfter = Number(reply.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
  };

  it("locks an account after 5 wrong passwords: the 6th attempt is refused even with the right one", async () => {
    for (let i = 1; i <= 5; i++) expectError(await signIn(server, dora.username, `wrong-password-${i}`), 401, "invalid_credentials");
    const sixth = await signIn(server, dora.username, dora.password);
    expectLocked(sixth);
    expect(sixth.setCookies).toEqual([]);
    expectLocked(await signIn(server, dora.username, dora.password));
  });

  it("locks an unknown name the same way", async () => {
    for (let i = 1; i <= 5; i++) expectError(await signIn(server, "ghost", `wrong-password-${i}`), 401, "invalid_credentials");
    expectLocked(await signIn(server, "ghost", "any-password-at-all"));
  });

  it("checks at most 5 of 15 wrong passwords sent together: the others are 429 before any argon2 work", async () => {
    const replies = await Promise.all(Array.from({ length: 15 }, (_, i) => signIn(server, ivy.username, `parallel-guess-${i}`, from("203.0.113.15"))));
    const statuses = replies.map((reply) => reply.status);
    const checked = replies.filter((reply) => reply.status === 401);
    for (const reply of checked) expectError(reply, 401, "invalid_credentials");
    for (const reply of replies.filter((r) => r.status !== 401)) expectLocked(reply);
    expect(checked.length, `statuses ${statuses}`).toBeGreaterThan(0);
    expect(checked.length, `statuses ${statuses}`).toBeLessThanOrEqual(5);
    expectLocked(await signIn(server, ivy.username, ivy.password, from("203.0.113.15")));
  });

  it("locks a name only for the address that guessed: its owner still signs in from another", async () => {
    for (let i = 1; i <= 5; i++) expectError(await signIn(server, jay.username, `stranger-guess-${i}`, from("203.0.113.66")), 401, "invalid_credentials");
    expectLocked(await signIn(server, jay.username, jay.password, from("203.0.113.66")));
    expect((await signIn(server, jay.username, jay.password, from("198.51.100.20"))).status).toBe(200);
  });

  it("locks a name everywhere once guesses from many addresses pass LOGIN_FAILURES_PER_ACCOUNT_TOTAL (12 here)", async () => {
    // Three addresses, 4 guesses each: none is locked on its own, together they reach the total.
    for (const address of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) {
      for (let i = 1; i <= 4; i++) expectError(await signIn(server, "kim", `spread-guess-${i}`, from(address)), 401, "invalid_credentials");
    }
    expectLocked(await signIn(server, "kim", "spread-guess-5", from("192.0.2.4")));
  });

  it("leaves other accounts alone", async () => {
    const reply = await signIn(server, erin.username, erin.password);
    expect(reply.status).toBe(200);
    expect((await send(server.url, "/api/session", { cookie: erin.cookie })).status).toBe(200);
  });
});

describe("login timing", () => {
  let server: TestServer;
  let known: Account[];
  beforeAll(async () => {
    server = await startServer();
    // Three accounts, so that 12 wrong guesses stay under each account's lockout (5) and the address's (30).
    known = await Promise.all(["fay", "gus", "hal"].map((name) => activeAccount(server, name, "editor")));
  });
  afterAll(() => server.close());

  it("takes about as long for an unknown name as for a wrong password (argon2 either way)", async () => {
    const timed = async (username: string, password: string) => {
      const start = performance.now();
      const reply = await signIn(server, username, password);
      const ms = performance.now() - start;
      expectError(reply, 401, "invalid_credentials");
      return ms;
    };
    await timed("warm-up-name", "warm-up-password"); // first verification of the decoy hash
    const unknown: number[] = [];
    const wrong: number[] = [];
    // Interleaved and many: on a loaded machine single requests jitter; the medians do not.
    for (let i = 0; i < 12; i++) {
      unknown.push(await timed(`unknown${i}`, `guess-${i}-password`));
      wrong.push(await timed(known[i % known.length]!.username, `guess-${i}-password`));
    }
    const ratio = median(unknown) / median(wrong);
    expect(ratio, `unknown ${unknown.map(Math.round)} ms, wrong ${wrong.map(Math.round)} ms`).toBeGreaterThan(0.5);
    expect(ratio, `unknown ${unknown.map(Math.round)} ms, wrong ${wrong.map(Math.round)} ms`).toBeLessThan(2.0);
  });
});

describe("on https", () => {
  it("names the cookie __Host-lt_session and marks it Secure", async () => {
    const dir = mkdtempSync(join(tmpdir(), "live-ticker-https-"));
    const config = loadConfig({ PORT: "0", DATA_DIR: dir, TICKER_ADMIN_TOKEN: TOKEN, PUBLIC_URL: "https://news.example", LOG_LEVEL: "silent" });
    const app = createApp(config, new SqliteStore(join(dir, "live-ticker.db")), { log: pino({ level: "silent" }) });
    const url = `http://127.0.0.1:${await app.listen()}`;
    try {
      const { password } = await createAccount(app.store.accounts, "gina", "editor");
      const reply = await send(url, "/api/session", { body: { username: "gina", password } });
      expect(reply.status).toBe(200);
      expect(reply.setCookies).toHaveLength(1);
      const header = reply.setCookies[0]!;
      expect(header).toMatch(/^__Host-lt_session=/);
      const attributes = attributesOf(header).map((a) => a.toLowerCase());
      expect(attributes).toEqual(expect.arrayContaining(["secure", "httponly", "samesite=strict", "path=/"]));
      expect(attributes.some((a) => a.startsWith("domain="))).toBe(false);
      const cookie = sessionCookieOf(reply, "__Host-lt_session");
      expect((await send(url, "/api/session", { cookie })).status).toBe(200);
      // The site's origin is the public one: https://news.example, not evil.example.
      expect((await send(url, "/api/session", { method: "DELETE", cookie, site: null, headers: { origin: "https://evil.example" } })).status).toBe(403);
      expect((await send(url, "/api/session", { method: "DELETE", cookie, site: null, headers: { origin: "https://news.example" } })).status).toBe(204);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("logging", () => {
  it("never writes a password into the log", async () => {
    let output = "";
    const sink = new Writable({ write: (chunk, _enc, done) => ((output += chunk.toString()), done()) });
    const dir = mkdtempSync(join(tmpdir(), "live-ticker-log-"));
    const config = loadConfig({ PORT: "0", DATA_DIR: dir, TICKER_ADMIN_TOKEN: TOKEN });
    const app = createApp(config, new SqliteStore(join(dir, "live-ticker.db")), { log: pino({ level: "trace" }, sink) });
    const url = `http://127.0.0.1:${await app.listen()}`;
    const secrets: string[] = [];
    try {
      const created = await send(url, "/api/users", { bearer: TOKEN, body: { username: "hank", role: "editor" } });
      expect(created.status).toBe(201);
      const oneTime = created.body.password as string;
      secrets.push(oneTime, "wrong-password-hank-1", "hank-chosen-password-1", "bad-current-password-2");

      expectError(await send(url, "/api/session", { body: { username: "hank", password: "wrong-password-hank-1" } }), 401, "invalid_credentials");
      expectError(await send(url, "/api/session", { body: { username: "nobody", password: "wrong-password-hank-1" } }), 401, "invalid_credentials");
      const signedIn = await send(url, "/api/session", { body: { username: "hank", password: oneTime } });
      expect(signedIn.status).toBe(200);
      const cookie = sessionCookieOf(signedIn);
      secrets.push(cookie.split("=")[1]!);
      const refused = await send(url, "/api/session/password", { cookie, body: { currentPassword: "bad-current-password-2", newPassword: "hank-chosen-password-1" } });
      expect(refused.status).toBe(401);
      const tooShort = await send(url, "/api/session/password", { cookie, body: { currentPassword: oneTime, newPassword: "short-pw" } });
      expect(tooShort.status).toBe(400);
      secrets.push("short-pw");
      const changed = await send(url, "/api/session/password", { cookie, body: { currentPassword: oneTime, newPassword: "hank-chosen-password-1" } });
      expect(changed.status).toBe(204);
      const reset = await send(url, `/api/users/${created.body.user.id}/password`, { method: "POST", bearer: TOKEN });
      expect(reset.status).toBe(200);
      secrets.push(reset.body.password);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(output).toContain('"signed in"');
    expect(output).toContain('"password changed"');
    for (const secret of secrets) expect(output, `the log contains "${secret}"`).not.toContain(secret);
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain("$argon2");
  });
});

describe("first start and the user CLI", () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "live-ticker-accounts-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all([...children].map((child) => stopChild(child, "SIGKILL")));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("creates an admin with a one-time password on the first start without an admin token, and only then", { timeout: 60_000 }, async () => {
    const dataDir = freshDir();
    const noToken = { env: { TICKER_ADMIN_TOKEN: undefined } };
    const first = await startChild(dataDir, noToken);
    let line: { username?: string; oneTimePassword?: string } | undefined;
    for (let waited = 0; !line && waited < 10_000; waited += 50) {
      const found = first.output().split("\n").find((l) => l.includes('"oneTimePassword"'));
      if (found) line = JSON.parse(found) as typeof line;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(line, first.output()).toMatchObject({ username: "admin", oneTimePassword: expect.any(String) });
    // Not a terminal (LOG_FORMAT=auto): every line of standard output is one JSON object, no banner.
    const stdout = first.stdout();
    for (const outputLine of stdout.split("\n").filter(Boolean)) expect(() => JSON.parse(outputLine), outputLine).not.toThrow();
    expect(stdout).not.toContain("It is not shown again");
    const password = line!.oneTimePassword!;
    const signedIn = await send(first.url, "/api/session", { body: { username: "admin", password } });
    expect(signedIn.status, first.output()).toBe(200);
    expect(signedIn.body.user).toMatchObject({ username: "admin", role: "admin", mustChangePassword: true });
    const cookie = sessionCookieOf(signedIn);
    expectError(await send(first.url, "/api/stories", { cookie, body: { title: "Not yet" } }), 403, "password_change_required");
    await stopChild(first.process);

    const second = await startChild(dataDir, noToken);
    const session = await send(second.url, "/api/session", { body: { username: "admin", password } });
    expect(session.status).toBe(200); // the same account, still on its one-time password
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.output()).not.toContain("oneTimePassword");
    expect(second.output()).not.toContain("created the first account");
    await stopChild(second.process);
  });

  it("adds an account from the command line, whose one-time password signs in", { timeout: 60_000 }, async () => {
    const dataDir = freshDir();
    const env = { ...process.env, DATA_DIR: dataDir };
    const { stdout } = await run("npx", ["tsx", "server/cli/user.ts", "add", "carol", "--role", "editor", "--display-name", "Carol Ortiz"], { cwd: ROOT, env });
    const password = /password[^:]*: (\S+)\s*$/.exec(stdout)?.[1];
    expect(password, stdout).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){4}$/);
    const listed = await run("npx", ["tsx", "server/cli/user.ts", "list"], { cwd: ROOT, env });
    expect(listed.stdout).toMatch(/^carol\teditor\tCarol Ortiz\t\(one-time password not yet changed\)$/m);
    expect(listed.stdout).not.toContain(password!);
    await run("npx", ["tsx", "server/cli/user.ts", "display-name", "carol", "Carol O."], { cwd: ROOT, env });
    await expect(run("npx", ["tsx", "server/cli/user.ts", "display-name", "carol", "two\nlines"], { cwd: ROOT, env })).rejects.toThrow(/Invalid display name/);

    const server = await startServer({ dataDir });
    try {
      const reply = await signIn(server, "carol", password!);
      expect(reply.status).toBe(200);
      expect(reply.body.user).toMatchObject({ username: "carol", displayName: "Carol O.", role: "editor", mustChangePassword: true });
    } finally {
      await server.close();
    }
  });
});
