import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DraftChanged, DraftGone, type AccountStore, type Draft, type SessionRecord, type TokenRecord, type UserWithHash } from "./accounts.js";

/** What an account store needs to live in: an empty store and a way to close it. A `Store` fits. */
export interface AccountsUnderTest {
  accounts: AccountStore;
  close(): Promise<void>;
}

const user = (n: number, changes: Partial<UserWithHash> = {}): UserWithHash => ({
  id: `u_${n}`,
  username: `user${n}`,
  displayName: `User Nr. ${n}`,
  role: "editor",
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
  mustChangePassword: false,
  passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$fake${n}`,
  deskLanguage: "en",
  ...changes,
});
const session = (idHash: string, userId: string, createdAt = 1_000): SessionRecord => ({ idHash, userId, createdAt, lastSeenAt: createdAt });
const token = (n: number, ownerId: string): TokenRecord => ({
  id: `t_${n}`,
  name: `Token ${n}`,
  ownerId,
  scopes: ["write"],
  createdAt: new Date(Date.UTC(2026, 0, 1, 1, n)).toISOString(),
});
const draft = (n: number, storyId: string, authorId: string, changes: Partial<Draft> = {}): Draft => ({
  id: `d_${n}`,
  storyId,
  authorId,
  author: { name: authorId.replace("u_", "user") },
  createdAt: new Date(Date.UTC(2026, 0, 1, 2, n)).toISOString(),
  updatedAt: new Date(Date.UTC(2026, 0, 1, 2, n)).toISOString(),
  body: `Draft ${n}`,
  kind: "update",
  pinned: false,
  revision: 1,
  ...changes,
});
/** What `promise` was rejected with (a fulfilment fails the test). */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
/** Rejected with DraftGone, saying what became of the draft (`closed`, undefined if nothing is known). */
export async function expectGone(promise: Promise<unknown>, closed: unknown): Promise<void> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(DraftGone);
  expect((error as DraftGone).closed).toEqual(closed);
}
const withoutHash = ({ passwordHash: _hash, ...rest }: UserWithHash) => rest;

/**
 * The behaviour every AccountStore must have, run unchanged against each implementation.
 * `open` returns a fresh, empty store (a whole `Store` will do: it has `accounts` and `close`).
 */
export function describeAccountsContract(name: string, open: () => Promise<AccountsUnderTest>) {
  describe(`AccountStore contract: ${name}`, () => {
    let under: AccountsUnderTest;
    let accounts: AccountStore;

    beforeEach(async () => {
      under = await open();
      accounts = under.accounts;
    });
    afterEach(async () => {
      await under.close();
    });

    describe("users", () => {
      it("creates users, counts them and finds them by id and by name, with their hash", async () => {
        expect(await accounts.countUsers()).toBe(0);
        await accounts.createUser(user(1));
        await accounts.createUser(user(2, { role: "contributor", mustChangePassword: true }));
        expect(await accounts.countUsers()).toBe(2);
        expect(await accounts.userById("u_1")).toEqual(user(1));
        expect(await accounts.userByUsername("user2")).toEqual(user(2, { role: "contributor", mustChangePassword: true }));
        expect(await accounts.userById("u_nope")).toBeUndefined();
        expect(await accounts.userByUsername("nope")).toBeUndefined();
        expect(await accounts.userByUsername("USER1")).toBeUndefined(); // names are exact
      });

      it("lists users by name without any password hash", async () => {
        await accounts.createUser(user(3, { username: "zoe" }));
        await accounts.createUser(user(4, { username: "adam", role: "admin" }));
        const listed = await accounts.listUsers();
        expect(listed).toEqual([withoutHash(user(4, { username: "adam", role: "admin" })), withoutHash(user(3, { username: "zoe" }))]);
        for (const listedUser of listed) expect(listedUser).not.toHaveProperty("passwordHash");
        expect(JSON.stringify(listed)).not.toContain("$argon2");
      });

      it("refuses a second user with the same name", async () => {
        await accounts.createUser(user(1));
        await expect(accounts.createUser(user(2, { username: "user1" }))).rejects.toThrow();
        expect(await accounts.countUsers()).toBe(1);
        expect((await accounts.userByUsername("user1"))?.id).toBe("u_1");
      });

      it("updates only the fields given", async () => {
        await accounts.createUser(user(1, { mustChangePassword: true }));
        await accounts.createUser(user(2));
        await accounts.updateUser("u_1", { role: "admin" });
        expect(await accounts.userById("u_1")).toEqual(user(1, { mustChangePassword: true, role: "admin" }));
        await accounts.updateUser("u_1", { passwordHash: "$argon2id$new", mustChangePassword: false });
        expect(await accounts.userById("u_1")).toEqual(user(1, { role: "admin", passwordHash: "$argon2id$new", mustChangePassword: false }));
        await accounts.updateUser("u_1", { mustChangePassword: true });
        expect((await accounts.userById("u_1"))?.mustChangePassword).toBe(true);
        await accounts.updateUser("u_1", {});
        expect(await accounts.userById("u_1")).toEqual(user(1, { role: "admin", passwordHash: "$argon2id$new", mustChangePassword: true }));
        expect(await accounts.userById("u_2")).toEqual(user(2)); // the other account is untouched
        await accounts.updateUser("u_nope", { role: "admin" }); // no such user: nothing happens
        expect(await accounts.countUsers()).toBe(2);
      });

      it("keeps a display name apart from the login name, with any text, and changes only it", async () => {
        const byline = "Zoë O'Brien-Łukasiewicz — Kyiv 🇺🇦";
        await accounts.createUser(user(1, { displayName: byline }));
        await accounts.createUser(user(2));
        expect((await accounts.userById("u_1"))?.displayName).toBe(byline);
        expect((await accounts.listUsers()).map((u) => u.displayName)).toEqual([byline, "User Nr. 2"]);
        await accounts.updateUser("u_1", { displayName: "Zoë O." });
        expect(await accounts.userById("u_1")).toEqual(user(1, { displayName: "Zoë O." }));
        expect(await accounts.userByUsername("user1")).toEqual(user(1, { displayName: "Zoë O." })); // the login name stays
        expect(await accounts.userById("u_2")).toEqual(user(2));
      });

      it("keeps each account's desk language, English until it chooses, and changes only that account's", async () => {
        await accounts.createUser(user(1));
        await accounts.createUser(user(2, { deskLanguage: "uk" }));
        expect((await accounts.userById("u_1"))?.deskLanguage).toBe("en");
        expect((await accounts.userByUsername("user2"))?.deskLanguage).toBe("uk");
        await accounts.updateUser("u_1", { deskLanguage: "uk" });
        expect(await accounts.userById("u_1")).toEqual(user(1, { deskLanguage: "uk" }));
        await accounts.updateUser("u_2", { displayName: "Pia" }); // another change leaves the language alone
        expect(await accounts.userById("u_2")).toEqual(user(2, { deskLanguage: "uk", displayName: "Pia" }));
        expect((await accounts.listUsers()).map((u) => u.deskLanguage)).toEqual(["uk", "uk"]);
        await accounts.updateUser("u_2", { deskLanguage: "en" });
        expect((await accounts.userById("u_2"))?.deskLanguage).toBe("en");
      });

      it("deletes a user together with their sessions and tokens, and nobody else's", async () => {
        await accounts.createUser(user(1));
        await accounts.createUser(user(2));
        await accounts.createSession(session("s1", "u_1"));
        await accounts.createSession(session("s2", "u_2"));
        await accounts.createToken(token(1, "u_1"), "hash-1");
        await accounts.createToken(token(2, "u_2"), "hash-2");
        await accounts.deleteUser("u_1");
        expect(await accounts.userById("u_1")).toBeUndefined();
        expect(await accounts.userByUsername("user1")).toBeUndefined();
        expect(await accounts.countUsers()).toBe(1);
        expect(await accounts.session("s1")).toBeUndefined();
        expect(await accounts.tokenBySecretHash("hash-1")).toBeUndefined();
        expect(await accounts.session("s2")).toEqual(session("s2", "u_2"));
        expect(await accounts.tokenBySecretHash("hash-2")).toEqual(token(2, "u_2"));
        await accounts.deleteUser("u_nope");
        expect(await accounts.countUsers()).toBe(1);
      });
    });

    describe("sessions", () => {
      beforeEach(async () => {
        await accounts.createUser(user(1));
        await accounts.createUser(user(2));
      });

      it("stores a session under the hash of its id, touches and deletes it", async () => {
        await accounts.createSession(session("h1", "u_1", 5_000));
        expect(await accounts.session("h1")).toEqual(session("h1", "u_1", 5_000));
        expect(await accounts.session("h-unknown")).toBeUndefined();
        await accounts.touchSession("h1", 9_000);
        expect(await accounts.session("h1")).toEqual({ idHash: "h1", userId: "u_1", createdAt: 5_000, lastSeenAt: 9_000 });
        await accounts.deleteSession("h1");
        expect(await accounts.session("h1")).toBeUndefined();
        await accounts.deleteSession("h1"); // twice is fine
      });

      it("revokes every session of a user, or all but the one to keep", async () => {
        for (const id of ["a1", "a2", "a3"]) await accounts.createSession(session(id, "u_1"));
        await accounts.createSession(session("b1", "u_2"));
        await accounts.deleteSessionsOf("u_1", "a2");
        expect(await accounts.session("a1")).toBeUndefined();
        expect(await accounts.session("a2")).toEqual(session("a2", "u_1"));
        expect(await accounts.session("a3")).toBeUndefined();
        expect(await accounts.session("b1")).toEqual(session("b1", "u_2"));
        await accounts.deleteSessionsOf("u_1");
        expect(await accounts.session("a2")).toBeUndefined();
        expect(await accounts.session("b1")).toEqual(session("b1", "u_2"));
        await accounts.deleteSessionsOf("u_2", "not-a-session-of-u_2");
        expect(await accounts.session("b1")).toBeUndefined();
      });
    });

    describe("API tokens", () => {
      beforeEach(async () => {
        await accounts.createUser(user(1));
        await accounts.createUser(user(2));
      });

      it("finds a token by the hash of its secret, never returning the hash", async () => {
        await accounts.createToken(token(1, "u_1"), "secret-hash-1");
        const found = await accounts.tokenBySecretHash("secret-hash-1");
        expect(found).toEqual(token(1, "u_1"));
        expect(JSON.stringify(found)).not.toContain("secret-hash-1");
        expect(await accounts.tokenBySecretHash("secret-hash-2")).toBeUndefined();
        expect(await accounts.tokenBySecretHash("t_1")).toBeUndefined();
      });

      it("lists the tokens of one owner or of everybody, oldest first", async () => {
        await accounts.createToken(token(3, "u_1"), "h3");
        await accounts.createToken(token(1, "u_2"), "h1");
        await accounts.createToken(token(2, "u_1"), "h2");
        expect(await accounts.listTokens("u_1")).toEqual([token(2, "u_1"), token(3, "u_1")]);
        expect(await accounts.listTokens("u_2")).toEqual([token(1, "u_2")]);
        expect(await accounts.listTokens()).toEqual([token(1, "u_2"), token(2, "u_1"), token(3, "u_1")]);
        expect(await accounts.listTokens("u_nope")).toEqual([]);
        expect(JSON.stringify(await accounts.listTokens())).not.toMatch(/"h[123]"/);
      });

      it("keeps a token's own write budget; a token made without one has none (its owner's)", async () => {
        await accounts.createToken({ ...token(1, "u_1"), writesPerMinute: 6000 }, "h1");
        await accounts.createToken(token(2, "u_1"), "h2");
        expect((await accounts.tokenBySecretHash("h1"))?.writesPerMinute).toBe(6000);
        expect(await accounts.tokenBySecretHash("h2")).not.toHaveProperty("writesPerMinute");
        expect((await accounts.listTokens("u_1")).map((t) => t.writesPerMinute)).toEqual([6000, undefined]);
      });

      it("keeps a token's scopes", async () => {
        await accounts.createToken({ ...token(1, "u_1"), scopes: ["manage"] }, "h1");
        await accounts.createToken({ ...token(2, "u_1"), scopes: ["write", "manage"] }, "h2");
        await accounts.createToken(token(3, "u_1"), "h3");
        expect((await accounts.tokenBySecretHash("h1"))?.scopes).toEqual(["manage"]);
        expect((await accounts.tokenBySecretHash("h2"))?.scopes).toEqual(["write", "manage"]);
        expect((await accounts.listTokens("u_1")).map((t) => t.scopes)).toEqual([["manage"], ["write", "manage"], ["write"]]);
      });

      it("records when a token was last used", async () => {
        await accounts.createToken(token(1, "u_1"), "h1");
        expect(await accounts.tokenBySecretHash("h1")).not.toHaveProperty("lastUsedAt");
        await accounts.touchToken("t_1", "2026-02-01T00:00:00.000Z");
        expect(await accounts.tokenBySecretHash("h1")).toEqual({ ...token(1, "u_1"), lastUsedAt: "2026-02-01T00:00:00.000Z" });
        expect(await accounts.listTokens("u_1")).toEqual([{ ...token(1, "u_1"), lastUsedAt: "2026-02-01T00:00:00.000Z" }]);
      });

      it("refuses a second token with the same secret hash", async () => {
        await accounts.createToken(token(1, "u_1"), "same");
        await expect(accounts.createToken(token(2, "u_2"), "same")).rejects.toThrow();
        expect(await accounts.tokenBySecretHash("same")).toEqual(token(1, "u_1"));
      });

      it("deletes a token, saying whether there was one", async () => {
        await accounts.createToken(token(1, "u_1"), "h1");
        await accounts.createToken(token(2, "u_1"), "h2");
        expect(await accounts.deleteToken("t_1")).toBe(true);
        expect(await accounts.deleteToken("t_1")).toBe(false);
        expect(await accounts.deleteToken("t_nope")).toBe(false);
        expect(await accounts.tokenBySecretHash("h1")).toBeUndefined();
        expect(await accounts.listTokens()).toEqual([token(2, "u_1")]);
      });
    });

    describe("drafts", () => {
      beforeEach(async () => {
        await accounts.createUser(user(1));
        await accounts.createUser(user(2));
      });

      it("stores a draft exactly as given, under its story", async () => {
        const full = draft(1, "s", "u_1", { headline: "Headline", kind: "breaking", pinned: true, body: "  **Markdown**\n\nkept" });
        await accounts.createDraft(full);
        await accounts.createDraft(draft(2, "s", "u_2"));
        expect(await accounts.draft("s", "d_1")).toEqual(full);
        const plain = await accounts.draft("s", "d_2");
        expect(plain).toEqual(draft(2, "s", "u_2"));
        expect(plain).not.toHaveProperty("headline");
        expect(await accounts.draft("other-story", "d_1")).toBeUndefined();
        expect(await accounts.draft("s", "d_nope")).toBeUndefined();
      });

      it("lists the drafts of a story newest first, all or one author's", async () => {
        await accounts.createDraft(draft(1, "s", "u_1"));
        await accounts.createDraft(draft(3, "s", "u_1"));
        await accounts.createDraft(draft(2, "s", "u_2"));
        await accounts.createDraft(draft(4, "other", "u_1"));
        expect((await accounts.listDrafts("s")).map((d) => d.id)).toEqual(["d_3", "d_2", "d_1"]);
        expect(await accounts.listDrafts("s", "u_1")).toEqual([draft(3, "s", "u_1"), draft(1, "s", "u_1")]);
        expect(await accounts.listDrafts("s", "u_2")).toEqual([draft(2, "s", "u_2")]);
        expect(await accounts.listDrafts("other")).toEqual([draft(4, "other", "u_1")]);
        expect(await accounts.listDrafts("none")).toEqual([]);
      });

      it("edits a draft in place, one revision on, as the store has it", async () => {
        await accounts.createDraft(draft(1, "s", "u_1", { headline: "Old" }));
        const at = "2026-03-01T00:00:00.000Z";
        const edited = await accounts.editDraft("s", "d_1", { changes: { body: "Rewritten", kind: "correction", headline: "" }, at });
        const { headline: _old, ...rest } = draft(1, "s", "u_1");
        const expected: Draft = { ...rest, body: "Rewritten", kind: "correction", updatedAt: at, revision: 2 };
        expect(edited).toEqual(expected);
        expect(await accounts.draft("s", "d_1")).toEqual(expected);
        expect(await accounts.listDrafts("s")).toEqual([expected]);
        // Fields an edit does not name stay as they are; the headline comes back when given.
        expect(await accounts.editDraft("s", "d_1", { changes: { headline: "New", pinned: true }, at, expectedRevision: 2 })).toEqual({
          ...expected,
          headline: "New",
          pinned: true,
          revision: 3,
        });
      });

      it("refuses an edit or a discard at a stale revision, and changes nothing", async () => {
        await accounts.createDraft(draft(1, "s", "u_1"));
        await accounts.editDraft("s", "d_1", { changes: { body: "Second" }, at: "2026-03-01T00:00:00.000Z" });
        const before = await accounts.draft("s", "d_1");
        const stale = { at: "2026-03-02T00:00:00.000Z", expectedRevision: 1 };
        expect(await rejection(accounts.editDraft("s", "d_1", { changes: { body: "Lost?" }, ...stale }))).toMatchObject({ constructor: DraftChanged, currentRevision: 2 });
        expect(await rejection(accounts.discardDraft("s", "d_1", { by: { name: "ed" }, ...stale }))).toMatchObject({ constructor: DraftChanged, currentRevision: 2 });
        expect(await accounts.draft("s", "d_1")).toEqual(before);
        expect(await accounts.closedDraft("s", "d_1")).toBeUndefined();
      });

      it("discards a draft and remembers who did, so a later edit or discard is told rather than lost", async () => {
        await accounts.createDraft(draft(1, "s", "u_1"));
        await accounts.createDraft(draft(1, "t", "u_1")); // the same id under another story is another draft
        const at = "2026-03-01T00:00:00.000Z";
        await accounts.discardDraft("s", "d_1", { by: { name: "Olena" }, at, expectedRevision: 1 });
        expect(await accounts.draft("s", "d_1")).toBeUndefined();
        expect(await accounts.listDrafts("s")).toEqual([]);
        const closed = { id: "d_1", storyId: "s", authorId: "u_1", outcome: "discarded", by: { name: "Olena" }, at };
        expect(await accounts.closedDraft("s", "d_1")).toEqual(closed);
        await expectGone(accounts.discardDraft("s", "d_1", { by: { name: "ed" }, at }), closed);
        await expectGone(accounts.editDraft("s", "d_1", { changes: { body: "Too late" }, at }), closed);
        await expectGone(accounts.editDraft("s", "d_nope", { changes: { body: "x" }, at }), undefined);
        expect(await accounts.draft("t", "d_1")).toEqual(draft(1, "t", "u_1"));
        expect(await accounts.closedDraft("t", "d_1")).toBeUndefined();

        // The author's outcomes since a moment, newest first; another author's or another story's are not theirs.
        await accounts.createDraft(draft(2, "s", "u_1"));
        await accounts.createDraft(draft(3, "s", "u_2"));
        await accounts.discardDraft("s", "d_2", { by: { name: "Olena" }, at: "2026-03-02T00:00:00.000Z" });
        await accounts.discardDraft("s", "d_3", { by: { name: "Olena" }, at: "2026-03-02T00:00:00.000Z" });
        await accounts.discardDraft("t", "d_1", { by: { name: "Olena" }, at: "2026-03-02T00:00:00.000Z" });
        expect((await accounts.closedDraftsOf("s", "u_1", "2026-01-01T00:00:00.000Z")).map((c) => c.id)).toEqual(["d_2", "d_1"]);
        expect((await accounts.closedDraftsOf("s", "u_1", "2026-03-01T12:00:00.000Z")).map((c) => c.id)).toEqual(["d_2"]);
        expect(await accounts.closedDraftsOf("s", "u_9", "2026-01-01T00:00:00.000Z")).toEqual([]);
      });

      it("loses no edit among many at once: each applies to the last, and one If-Match wins", async () => {
        await accounts.createDraft(draft(1, "s", "u_1"));
        const at = "2026-03-01T00:00:00.000Z";
        // Unconditional: every edit lands, one after the other.
        const all = await Promise.all(Array.from({ length: 10 }, (_, n) => accounts.editDraft("s", "d_1", { changes: { body: `Edit ${n}` }, at })));
        expect(all.map((d) => d.revision).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, n) => n + 2));
        const last = all.find((d) => d.revision === 11)!;
        expect(await accounts.draft("s", "d_1")).toEqual(last);
        // Conditional on the same revision: exactly one lands, the others are told it changed.
        const raced = await Promise.allSettled(
          Array.from({ length: 10 }, (_, n) => accounts.editDraft("s", "d_1", { changes: { body: `Race ${n}` }, at, expectedRevision: 11 })),
        );
        const won = raced.filter((r) => r.status === "fulfilled");
        expect(won).toHaveLength(1);
        for (const r of raced) if (r.status === "rejected") expect(r.reason).toMatchObject({ constructor: DraftChanged, currentRevision: 12 });
        expect(await accounts.draft("s", "d_1")).toEqual((won[0] as PromiseFulfilledResult<Draft>).value);
      });
    });
  });
}
