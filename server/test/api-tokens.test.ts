import { describe, expect, it } from "vitest";
import { newSecret, secretHash } from "../auth/secrets.js";
import { TOKEN, type TestServer } from "./harness.js";
import { activeAccount, expectError, send, sessionCookieOf, signIn, type Account, type Reply } from "./accounts-helpers.js";
import { itNeverSawAHash, stateOf, STORY, useDeskWithAccounts } from "./desk-accounts.js";

/**
 * API tokens (/api/tokens): the secret shown once, writing as the owner until revoked, who sees
 * which tokens, scopes; and management (tokens, accounts) only from a recent signed-in session.
 */

describe("editor accounts", () => {
  let server: TestServer, admin: Account, editor: Account, contributor: Account;
  useDeskWithAccounts((desk) => ({ server, accounts: [admin, editor, contributor] } = desk));

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

  itNeverSawAHash(50);
});
