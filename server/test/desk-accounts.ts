import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../store/store.js";
import { bodiesScanned, serverWithAccounts } from "./accounts-helpers.js";

/**
 * The newsroom the account suites (sessions, CSRF, roles, API tokens, users) each start on their
 * own server: one story and four signed-in accounts, plus what those suites check after each
 * refused request. The HTTP client and the accounts themselves are in ./accounts-helpers.ts.
 */

export const STORY = "desk";

/** A fresh server with story "desk" and alice (admin), eddie (editor), connie and otto (contributors). */
export const deskWithAccounts = () =>
  serverWithAccounts({ id: STORY, title: "Desk" }, [
    ["alice", "admin"],
    ["eddie", "editor"],
    ["connie", "contributor"],
    // Another contributor, whose drafts the first one must not touch.
    ["otto", "contributor"],
  ]);

/**
 * Starts the desk's server with its accounts before a suite's tests and stops it after; `take`
 * gets them (a suite keeps the ones it names in its own variables).
 */
export function useDeskWithAccounts(take: (desk: Awaited<ReturnType<typeof deskWithAccounts>>) => void): void {
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const desk = await deskWithAccounts();
    close = () => desk.server.close();
    take(desk);
  });
  afterAll(() => close?.());
}

/** The attributes of a Set-Cookie header, after its name=value. */
export const attributesOf = (setCookie: string) => setCookie.split(";").slice(1).map((a) => a.trim());

/** Everything a refused request must leave alone: stories, their drafts, users and tokens. */
export async function stateOf(store: Store): Promise<string> {
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

/**
 * The file's last test: `send` checked every JSON body for password and secret hashes, and there
 * were at least `atLeast` of them (so that the check cannot pass by seeing nothing).
 */
export function itNeverSawAHash(atLeast: number): void {
  describe("hashes", () => {
    it("were never in any JSON body of these tests", () => {
      expect(bodiesScanned()).toBeGreaterThanOrEqual(atLeast);
    });
  });
}
