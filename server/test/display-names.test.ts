import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeAccount, expectError, send, type Account } from "./accounts-helpers.js";
import { startServer, TOKEN, type TestServer } from "./harness.js";

/**
 * A contributor could be "ed2", "adm1 (admin)" or "Newsroom", or carry U+202E or zero-width
 * characters, and that name became a byline and desk presence (issue 26). Over HTTP: the admin's
 * account routes and one's own profile refuse such names (400 naming displayName) and names that
 * read like another account's (409), at once too.
 */
describe("display names over HTTP", () => {
  let server: TestServer;
  let wren: Account;
  beforeAll(async () => {
    server = await startServer();
    wren = await activeAccount(server, "wren", "contributor");
  });
  afterAll(async () => {
    await server?.close();
  });

  const create = (username: string, displayName: string) => send(server.url, "/api/users", { bearer: TOKEN, body: { username, role: "contributor", displayName } });
  const expectRefused = (reply: Awaited<ReturnType<typeof send>>) => {
    expectError(reply, 400, "validation_failed");
    expect(JSON.stringify(reply.body.error.details)).toContain("displayName");
  };

  it("refuses direction controls, invisible characters and names that pose as a role or the newsroom", async () => {
    for (const [n, name] of ["Ole\u202Ena", "Olena\u200B", "O\u00ADlena", "\u2066Olena\u2069", "adm1 (admin)", "Newsroom", "NEWSR00M", "Olena (editor)"].entries()) {
      expectRefused(await create(`posing${n}`, name));
    }
  });

  it("refuses a name that reads like another account's, on creation, on an admin's rename and on one's own, 409", async () => {
    expect((await create("olena", "Olena K.")).status).toBe(201);
    for (const [n, name] of ["OLENA K", "0lena K.", "Оlena K." /* Cyrillic О */, "Olená K"].entries()) {
      const reply = await create(`olena${n}`, name);
      expectError(reply, 409, "display_name_taken");
      expect(reply.body.error.details).toEqual({ field: "displayName" });
    }
    const users = (await send(server.url, "/api/users", { bearer: TOKEN })).body.users as { id: string; username: string }[];
    const wrenId = users.find((u) => u.username === "wren")!.id;
    expectError(await send(server.url, `/api/users/${wrenId}`, { method: "PATCH", bearer: TOKEN, body: { displayName: "olena k" } }), 409, "display_name_taken");
    expectError(await send(server.url, "/api/session", { method: "PATCH", cookie: wren.cookie, body: { displayName: "OLENA K." } }), 409, "display_name_taken");
    expectRefused(await send(server.url, "/api/session", { method: "PATCH", cookie: wren.cookie, body: { displayName: "Wren (admin)" } }));
    // One's own name in another case is one's own.
    const recased = await send(server.url, "/api/session", { method: "PATCH", cookie: wren.cookie, body: { displayName: "WREN" } });
    expect(recased.status, JSON.stringify(recased.body)).toBe(200);
  });

  it("gives reviewers a draft's author login beside its byline, and never publishes it", async () => {
    expect((await server.api("/api/stories", { body: { id: "names", title: "Names" } })).status).toBe(201);
    const written = await send(server.url, "/api/stories/names/drafts", { cookie: wren.cookie, body: { body: "From the scene." } });
    expect(written.status, JSON.stringify(written.body)).toBe(201);
    expect(written.body.draft).toMatchObject({ author: { name: "WREN" }, authorLogin: "wren" });
    const listed = await send(server.url, "/api/stories/names/drafts", { bearer: TOKEN });
    expect(listed.body.drafts[0]).toMatchObject({ authorLogin: "wren" });
    const published = await send(server.url, `/api/stories/names/drafts/${written.body.draft.id}/publish`, { method: "POST", bearer: TOKEN, headers: { "if-match": '"1"' } });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    expect(published.body.entry.author).toEqual({ name: "WREN" });
    expect(JSON.stringify(await (await fetch(`${server.url}/api/stories/names`)).json())).not.toContain('"wren"');
  });

  it("gives one name that reads the same to exactly one of many accounts created at once", async () => {
    const names = ["Mykola", "MYKOLA", "Мykola", "mykoIa", "Myko1a", "M y k o l a"];
    const replies = await Promise.all(names.map((name, n) => create(`mykola${n}`, name)));
    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });
});

describe("display names in the user CLI", () => {
  const run = promisify(execFile);
  const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-names-"));
  const env = { ...process.env, DATA_DIR: dataDir };
  const cli = (...args: string[]) => run("npx", ["tsx", "server/cli/user.ts", ...args], { cwd: fileURLToPath(new URL("../..", import.meta.url)), env });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("refuses what the API refuses, with a message and exit status 1, never a stack trace", { timeout: 60_000 }, async () => {
    await cli("add", "olena", "--display-name", "Olena K.");
    await expect(cli("add", "olena2", "--display-name", "0LENA K")).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^Another account's display name reads the same as "0LENA K"/) });
    await cli("add", "taras", "--display-name", "Taras");
    await expect(cli("display-name", "taras", "Olena K")).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^Another account's display name/) });
    await expect(cli("display-name", "taras", "Taras (admin)")).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^Invalid display name: must not read as a role/) });
    await expect(cli("add", "zed", "--display-name", "Ze\u200Bd")).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^Invalid display name: must not contain direction controls/) });
  });
});
