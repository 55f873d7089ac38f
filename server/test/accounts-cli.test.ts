import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { children, startChild, stopChild } from "./child-server.js";
import { startServer } from "./harness.js";
import { createAccount } from "../auth/accounts-service.js";
import { expectError, send, sessionCookieOf, signIn } from "./accounts-helpers.js";

/**
 * Accounts made outside the API: the first admin with a one-time password on a first start
 * (with or without an admin token), and the user CLI (`server/cli/user.ts`).
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

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

  it("creates the first admin also when TICKER_ADMIN_TOKEN is set, so people can sign in beside the automation", { timeout: 60_000 }, async () => {
    const first = await startChild(freshDir()); // the child's environment sets the admin token
    let line: { username?: string; oneTimePassword?: string; signIn?: string } | undefined;
    for (let waited = 0; !line && waited < 10_000; waited += 50) {
      const found = first.output().split("\n").find((l) => l.includes('"oneTimePassword"'));
      if (found) line = JSON.parse(found) as typeof line;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(line, first.output()).toMatchObject({ username: "admin", oneTimePassword: expect.any(String), signIn: `${first.url}/editor` });
    const signedIn = await send(first.url, "/api/session", { body: { username: "admin", password: line!.oneTimePassword! } });
    expect(signedIn.status, first.output()).toBe(200);
    expect(signedIn.body.user).toMatchObject({ username: "admin", role: "admin", mustChangePassword: true });
    await stopChild(first.process);
  });

  it("lets the sign-in form know that no account exists yet, and nothing more once one does", async () => {
    const server = await startServer({ dataDir: freshDir() });
    try {
      const empty = await send(server.url, "/api/session");
      expect([empty.status, empty.body]).toEqual([401, { error: { code: "unauthorized", message: "Not signed in.", details: { accounts: false } } }]);
      await createAccount(server.app.store.accounts, "dora", "editor");
      const some = await send(server.url, "/api/session");
      expect([some.status, some.body]).toEqual([401, { error: { code: "unauthorized", message: "Not signed in." } }]);
    } finally {
      await server.close();
    }
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
