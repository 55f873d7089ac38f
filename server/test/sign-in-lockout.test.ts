import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startServer, type TestServer } from "./harness.js";
import { activeAccount, expectError, send, signIn, type Account, type Reply } from "./accounts-helpers.js";
import { verifications } from "./argon2-count.js";

vi.mock("@node-rs/argon2", async (original) => (await import("./argon2-count.js")).counting(await original()));

/**
 * Password guessing: the per-account, per-address and total lockouts on sign-in (behind a trusted
 * proxy, so that X-Forwarded-For stands for other clients), and an unknown name taking as long as
 * a wrong password.
 */

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

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
    const before = verifications();
    const replies = await Promise.all(Array.from({ length: 15 }, (_, i) => signIn(server, ivy.username, `parallel-guess-${i}`, from("203.0.113.15"))));
    const statuses = replies.map((reply) => reply.status);
    const checked = replies.filter((reply) => reply.status === 401);
    for (const reply of checked) expectError(reply, 401, "invalid_credentials");
    for (const reply of replies.filter((r) => r.status !== 401)) expectLocked(reply);
    expect(checked.length, `statuses ${statuses}`).toBeGreaterThan(0);
    expect(checked.length, `statuses ${statuses}`).toBeLessThanOrEqual(5);
    // The 429s cost no argon2 work: only the 401s were verified (a refusal after the check looks the same from outside).
    expect(verifications() - before, `argon2 verifications for statuses ${statuses}`).toBe(checked.length);
    expectLocked(await signIn(server, ivy.username, ivy.password, from("203.0.113.15")));
    expect(verifications() - before, "argon2 verifications, the locked right password included").toBe(checked.length);
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
