import { describe, expect, it } from "vitest";
import type { TestServer } from "./harness.js";
import { activeAccount, expectError, send, type Account } from "./accounts-helpers.js";
import { itNeverSawAHash, STORY, useDeskWithAccounts } from "./desk-accounts.js";

/**
 * Accounts as an admin sees them (/api/users) and display names: bylines by display name, never
 * the login name; what a display name may be; accounts listed without hashes.
 */

describe("editor accounts", () => {
  let server: TestServer, admin: Account, editor: Account, contributor: Account;
  useDeskWithAccounts((desk) => ({ server, accounts: [admin, editor, contributor] } = desk));

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
        user: { id: expect.stringMatching(/^u_/), username: "wendy", displayName: "wendy", role: "contributor", createdAt: expect.any(String), mustChangePassword: true, deskLanguage: "en" },
        password: expect.any(String),
      });
      const listed = await send(server.url, "/api/users", { cookie: admin.cookie });
      expect(listed.body.users).toContainEqual(created.body.user);
      for (const u of listed.body.users) expect(Object.keys(u).sort()).toEqual(["createdAt", "deskLanguage", "displayName", "id", "mustChangePassword", "role", "username"]);
      expect(JSON.stringify(listed.body)).not.toContain(created.body.password);
      expectError(await send(server.url, "/api/users", { cookie: admin.cookie, body: { username: "wendy", role: "editor" } }), 409, "user_exists");
      expectError(await send(server.url, "/api/users", { cookie: admin.cookie, body: { username: "Bad Name", role: "editor" } }), 400, "validation_failed");
      expectError(await send(server.url, `/api/users/${admin.id}`, { method: "DELETE", cookie: admin.cookie }), 409, "conflict");
      expectError(await send(server.url, "/api/users/u_nope", { method: "DELETE", cookie: admin.cookie }), 404, "user_not_found");
    });
  });

  itNeverSawAHash(30);
});
