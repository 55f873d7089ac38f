import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { newSecret, secretHash } from "../auth/secrets.js";
import { loadConfig } from "../config.js";
import { createAccount } from "../auth/accounts-service.js";
import { SqliteStore } from "../store/sqlite-store.js";
import { TOKEN, type TestServer } from "./harness.js";
import { activeAccount, expectError, send, sessionCookieOf, signIn, type Account } from "./accounts-helpers.js";
import { attributesOf, itNeverSawAHash, stateOf, STORY, useDeskWithAccounts } from "./desk-accounts.js";

/**
 * Sessions over HTTP (/api/session): signing in and its cookie (on http and https), signing out,
 * idle and absolute expiry, sessions revoked by a password change, reset, deletion or role change,
 * one-time passwords, and no password ever written to the log.
 */

describe("editor accounts", () => {
  let server: TestServer, admin: Account, editor: Account, contributor: Account;
  useDeskWithAccounts((desk) => ({ server, accounts: [admin, editor, contributor] } = desk));

  describe("sign-in", () => {
    it("answers {user} without any hash and sets an HttpOnly, SameSite=Strict, host-wide cookie (no Secure on http)", async () => {
      const reply = await signIn(server, editor.username, editor.password);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        user: { id: editor.id, username: "eddie", displayName: "eddie", role: "editor", createdAt: expect.any(String), mustChangePassword: false, deskLanguage: "en" },
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
      expect(reply.body).toEqual({ user: { id: contributor.id, username: "connie", displayName: "connie", role: "contributor", createdAt: expect.any(String), mustChangePassword: false, deskLanguage: "en" } });
      expect(reply.headers.get("cache-control")).toBe("no-store");
      expectError(await send(server.url, "/api/session"), 401, "unauthorized");
      expectError(await send(server.url, "/api/session", { bearer: TOKEN }), 401, "unauthorized"); // tokens have no session
    });

    it("keeps each account's own desk language: set with PATCH, read back, refused unless supported, kept across sign-out and sign-in", async () => {
      const writer = await activeAccount(server, "ulyana", "editor");
      expect((await send(server.url, "/api/session", { cookie: writer.cookie })).body.user.deskLanguage).toBe("en");
      const chosen = await send(server.url, "/api/session", { method: "PATCH", cookie: writer.cookie, body: { deskLanguage: "uk" } });
      expect(chosen.status).toBe(200);
      expect(chosen.body.user).toMatchObject({ id: writer.id, deskLanguage: "uk", displayName: "ulyana" });
      expect((await send(server.url, "/api/session", { cookie: writer.cookie })).body.user.deskLanguage).toBe("uk");
      const arabic = await send(server.url, "/api/session", { method: "PATCH", cookie: writer.cookie, body: { deskLanguage: "ar" } });
      expect(arabic.body.user).toMatchObject({ deskLanguage: "ar" });
      await send(server.url, "/api/session", { method: "PATCH", cookie: writer.cookie, body: { deskLanguage: "uk" } });

      for (const deskLanguage of ["de", "UK", "uk-UA", "", null, 1]) {
        const refused = await send(server.url, "/api/session", { method: "PATCH", cookie: writer.cookie, body: { deskLanguage } });
        expectError(refused, 400, "validation_failed");
        expect(refused.body.error.details.issues).toEqual([{ path: "deskLanguage", message: "must be one of en, ar, uk" }]);
      }
      expectError(await send(server.url, "/api/session", { method: "PATCH", cookie: writer.cookie, body: {} }), 400, "validation_failed");
      expectError(await send(server.url, "/api/session", { method: "PATCH", body: { deskLanguage: "uk" } }), 401, "unauthorized");
      // Both at once, and the language only: the byline stays.
      const both = await send(server.url, "/api/session", { method: "PATCH", cookie: writer.cookie, body: { displayName: "Уляна К.", deskLanguage: "uk" } });
      expect(both.body.user).toMatchObject({ displayName: "Уляна К.", deskLanguage: "uk" });
      // Another account's desk is not this one's.
      expect((await send(server.url, "/api/session", { cookie: editor.cookie })).body.user.deskLanguage).toBe("en");

      expect((await send(server.url, "/api/session", { method: "DELETE", cookie: writer.cookie })).status).toBe(204);
      const again = await signIn(server, writer.username, writer.password);
      expect(again.body.user).toMatchObject({ deskLanguage: "uk", displayName: "Уляна К." });
      const back = await send(server.url, "/api/session", { method: "PATCH", cookie: sessionCookieOf(again), body: { deskLanguage: "en" } });
      expect(back.body.user.deskLanguage).toBe("en");
      expect((await send(server.url, "/api/session", { cookie: sessionCookieOf(again) })).body.user.deskLanguage).toBe("en");
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

  itNeverSawAHash(50);
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
