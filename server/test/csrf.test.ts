import { describe, expect, it } from "vitest";
import type { TestServer } from "./harness.js";
import { codeOf, expectError, send, signIn, type Account } from "./accounts-helpers.js";
import { itNeverSawAHash, stateOf, STORY, useDeskWithAccounts } from "./desk-accounts.js";

/**
 * Cross-site request forgery: cookie-authenticated writes and sign-ins from another site, or with
 * no same-site signal at all, are refused and change nothing; GET never changes anything.
 */

describe("editor accounts", () => {
  let server: TestServer, admin: Account, editor: Account, contributor: Account;
  useDeskWithAccounts((desk) => ({ server, accounts: [admin, editor, contributor] } = desk));

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
      // A GET of the entries path reads a page of entries (DESIGN.md §4); it changes nothing either.
      expect((await send(server.url, entries, { cookie: editor.cookie, site: "cross-site" })).status).toBe(200);
      for (const [path, cookie] of [
        [`/api/stories/${STORY}/entries/e_nothere`, editor.cookie],
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

  itNeverSawAHash(20);
});
