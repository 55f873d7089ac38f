import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import jsonpatch from "fast-json-patch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entriesInDisplayOrder } from "../../shared/display-order.js";
import type { PatchMessage, SnapshotMessage } from "../../shared/protocol.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { expectError, send, serverWithAccounts, type Account } from "./accounts-helpers.js";
import { stateOf } from "./desk-accounts.js";
import { startServer, TOKEN, type TestServer } from "./harness.js";

/**
 * Wire feeds and migrations (DESIGN.md §3 `POST /api/stories/:id/entries/batch`): one version per
 * batch, all or nothing, imported entries at their own past time; per-token write budgets; and
 * `npm run import` bringing 2,000 entries in by token with no 429, seen by a live reader as one
 * patch per batch.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);
const hoursAgo = (hours: number, seconds = 0) => new Date(Date.now() - hours * 3_600_000 + seconds * 1000).toISOString();
const batch = (server: TestServer, storyId: string, entries: unknown[], headers: Record<string, string> = {}) =>
  server.api(`/api/stories/${storyId}/entries/batch`, { body: { entries }, headers });
const latest = async (server: TestServer, storyId: string, view = "full"): Promise<Snapshot> => (await server.api(`/api/stories/${storyId}?view=${view}`, { auth: false })).json();

async function expectRefused(res: Response, status: number, code: string): Promise<{ message: string; details?: any }> {
  const body = (await res.json()) as { error: { code: string; message: string; details?: any } };
  expect([res.status, body.error.code], body.error.message).toEqual([status, code]);
  return body.error;
}

describe("POST /api/stories/:id/entries/batch", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { LATEST_VIEW_ENTRIES: "10" } });
    expect((await server.api("/api/stories", { body: { id: "wire", title: "Wire" } })).status).toBe(201);
  });
  afterAll(() => server.close());

  it("adds the batch in one version, each entry under its own id and time; the latest view orders them by createdAt", async () => {
    for (let n = 1; n <= 9; n++) expect((await server.api("/api/stories/wire/entries", { body: { body: `Live ${n}` } })).status).toBe(201);
    const before = await latest(server, "wire");
    const sent = [
      { body: "Yesterday, later", headline: "Sirens", kind: "breaking", createdAt: hoursAgo(20) },
      { body: "Yesterday, first", createdAt: hoursAgo(24).replace("Z", "+00:00") },
      { body: "Pinned from the archive", pinned: true, createdAt: hoursAgo(30) },
    ];
    const res = await batch(server, "wire", sent);
    expect(res.status).toBe(201);
    const answer = (await res.json()) as { entries: Entry[]; version: number };
    expect(answer.version).toBe(before.version + 1);
    expect(answer.entries.map((e) => e.body)).toEqual(sent.map((e) => e.body));
    expect(new Set(answer.entries.map((e) => e.id)).size).toBe(3);
    expect(answer.entries.map((e) => [e.createdAt, e.updatedAt])).toEqual(sent.map((e) => [new Date(e.createdAt).toISOString(), new Date(e.createdAt).toISOString()]));
    expect(answer.entries[0]).toMatchObject({ headline: "Sirens", kind: "breaking", author: { name: "Newsroom" }, revision: 1 });

    const history = (await (await server.api("/api/stories/wire/history?limit=2", { auth: false })).json()) as { versions: { version: number; summary: string }[] };
    expect(history.versions.map((v) => [v.version, v.summary])).toEqual([
      [answer.version, "Added 3 entries"],
      [before.version, 'Added "Live 9"'],
    ]);
    // The latest view's ten newest: the nine live entries, then the later of yesterday's, not the first; the pinned one above.
    const live = Array.from({ length: 9 }, (_, n) => `Live ${9 - n}`);
    expect(entriesInDisplayOrder(await latest(server, "wire", "latest")).map((e) => e.body)).toEqual(["Pinned from the archive", ...live, "Yesterday, later"]);
    expect(entriesInDisplayOrder(await latest(server, "wire")).map((e) => e.body)).toEqual(["Pinned from the archive", ...live, "Yesterday, later", "Yesterday, first"]);
  });

  it("writes nothing when one entry is bad, naming it: an empty body, a photo not stored, a time in the future", async () => {
    const state = await stateOf(server.app.store);
    const good = { body: "Fine", createdAt: hoursAgo(2) };
    const empty = await expectRefused(await batch(server, "wire", [good, { body: "  " }, good]), 400, "validation_failed");
    expect(empty.details.issues).toEqual([{ path: "entries.1.body", message: "must not be empty" }]);
    const photo = await expectRefused(await batch(server, "wire", [good, good, { body: "x", media: [{ type: "image", id: `m_${"f".repeat(32)}`, alt: "A" }] }]), 400, "unknown_media");
    expect(photo.details.issues[0].path).toBe("entries.2.media.0.id");
    const future = await expectRefused(await batch(server, "wire", [good, { body: "Tomorrow", createdAt: hoursAgo(-24) }]), 400, "validation_failed");
    expect(future.details.issues).toEqual([{ path: "entries.1.createdAt", message: expect.stringContaining("must not be in the future") }]);
    const notATime = await expectRefused(await batch(server, "wire", [{ body: "x", createdAt: "yesterday" }]), 400, "validation_failed");
    expect(notATime.details.issues[0].path).toBe("entries.0.createdAt");
    await expectRefused(await batch(server, "wire", []), 400, "validation_failed");
    await expectRefused(await batch(server, "wire", Array.from({ length: 501 }, () => good)), 400, "validation_failed");
    await expectRefused(await batch(server, "wire", [{ ...good, alert: false }]), 400, "validation_failed");
    await expectRefused(await batch(server, "wire", [good], { "if-match": '"1"' }), 412, "precondition_failed");
    expect(await stateOf(server.app.store)).toBe(state);
    // A sending clock a few seconds fast is not "the future".
    expect((await batch(server, "wire", [{ body: "Just now", createdAt: hoursAgo(0, 20) }])).status).toBe(201);
  });

  it("takes 500 long entries (past MAX_JSON_BODY_BYTES) in one body; a retry with the Idempotency-Key replays the answer", async () => {
    const long = Array.from({ length: 500 }, (_, n) => ({ body: `${n} ${"word ".repeat(400)}`, createdAt: hoursAgo(10, n) }));
    expect(JSON.stringify({ entries: long }).length).toBeGreaterThan(1_000_000);
    const first = await batch(server, "wire", long, { "idempotency-key": "wire-batch-1" });
    expect(first.status).toBe(201);
    const answer = await first.text();
    const again = await batch(server, "wire", long, { "idempotency-key": "wire-batch-1" });
    expect([again.status, again.headers.get("idempotent-replayed")]).toEqual([201, "true"]);
    expect(await again.text()).toBe(answer);
    expect((await latest(server, "wire")).version).toBe((JSON.parse(answer) as { version: number }).version);
    // The single entry's route keeps its own, smaller limit.
    await expectRefused(await server.api("/api/stories/wire/entries", { body: { body: "x".repeat(9000), headline: "y".repeat(60_000) } }), 413, "payload_too_large");
  });
});

describe("batch limits: MAX_ENTRIES_PER_STORY and MAX_BATCH_BODY_BYTES", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { MAX_ENTRIES_PER_STORY: "5", MAX_BATCH_BODY_BYTES: String(128 * 1024) } });
    expect((await server.api("/api/stories", { body: { id: "full", title: "Full" } })).status).toBe(201);
  });
  afterAll(() => server.close());

  it("refuses a batch that does not fit the story whole (409), and one past the body limit (413)", async () => {
    expect((await batch(server, "full", [{ body: "1" }, { body: "2" }, { body: "3" }])).status).toBe(201);
    const state = await stateOf(server.app.store);
    const refused = await expectRefused(await batch(server, "full", [{ body: "4" }, { body: "5" }, { body: "6" }]), 409, "too_many_entries");
    expect(refused.message).toBe("These 3 entries do not fit: this story holds 3 of at most 5; nothing was added.");
    await expectRefused(await batch(server, "full", Array.from({ length: 20 }, () => ({ body: "x".repeat(9000) }))), 413, "payload_too_large");
    expect(await stateOf(server.app.store)).toBe(state);
    expect((await batch(server, "full", [{ body: "4" }, { body: "5" }])).status).toBe(201);
  });
});

describe("write budgets: an account's, a token's own, the admin token's", () => {
  let server: TestServer, admin: Account, editor: Account;
  beforeAll(async () => {
    ({ server, accounts: [admin, editor] } = await serverWithAccounts({ id: "budgets", title: "Budgets" }, [["ada", "admin"], ["eddie", "editor"]] as const, {
      env: { WRITES_PER_MINUTE: "4", ADMIN_TOKEN_WRITES_PER_MINUTE: "50" },
    }));
  });
  afterAll(() => server.close());
  const write = (bearer: string, n: number) => send(server.url, "/api/stories/budgets/entries", { bearer, site: null, body: { body: `Write ${n}` } });

  it("gives a token an admin made with writesPerMinute its own budget; an editor's tokens share the account's", async () => {
    // Each account has spent one write already: choosing its own password.
    const own = await send(server.url, "/api/tokens", { cookie: admin.cookie, body: { name: "Wire feed", writesPerMinute: 20 } });
    expect(own.status).toBe(201);
    expect(own.body.token).toMatchObject({ name: "Wire feed", writesPerMinute: 20 });
    for (let n = 0; n < 8; n++) expect((await write(own.body.secret, n)).status).toBe(201);
    const listed = await send(server.url, "/api/tokens", { cookie: admin.cookie });
    expect(listed.body.tokens.find((t: { id: string }) => t.id === own.body.token.id).writesPerMinute).toBe(20);

    expectError(await send(server.url, "/api/tokens", { cookie: editor.cookie, body: { name: "Mine", writesPerMinute: 1000 } }), 403, "forbidden");
    expectError(await send(server.url, "/api/tokens", { cookie: admin.cookie, body: { name: "Zero", writesPerMinute: 0 } }), 400, "validation_failed");
    const shared = await send(server.url, "/api/tokens", { cookie: editor.cookie, body: { name: "Plain" } });
    expect(shared.status).toBe(201);
    expect(shared.body.token.writesPerMinute).toBeUndefined();
    expect((await write(shared.body.secret, 100)).status).toBe(201);
    const limited = await write(shared.body.secret, 101);
    expectError(limited, 429, "rate_limited");
    expect(limited.body.error.message).toBe("Too many changes from this account: at most 4 a minute.");
  });

  it("gives the admin token ADMIN_TOKEN_WRITES_PER_MINUTE, not a person's WRITES_PER_MINUTE", async () => {
    for (let n = 0; n < 10; n++) expect((await server.api("/api/stories/budgets/entries", { body: { body: `Admin ${n}` } })).status).toBe(201);
  });
});

describe("npm run import", () => {
  let server: TestServer, editor: Account;
  const dir = mkdtempSync(join(tmpdir(), "live-ticker-import-"));
  beforeAll(async () => {
    // The defaults of a real installation: WRITES_PER_MINUTE 120, MAX_ENTRIES_PER_STORY 2000.
    ({ server, accounts: [editor] } = await serverWithAccounts({ id: "migrated", title: "Migrated" }, [["eddie", "editor"]] as const));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const importFile = (file: string, token: string, storyId = "migrated") =>
    run(process.execPath, ["--import", "tsx", "server/cli/import.ts", "--url", server.url, "--story", storyId, "--token", token, file], { cwd: ROOT });

  it("brings 2,000 entries in by token with no 429; a live reader gets 4 patches; a second run adds nothing", { timeout: 120_000 }, async () => {
    const token = await send(server.url, "/api/tokens", { cookie: editor.cookie, body: { name: "Importer" } });
    const file = join(dir, "entries.ndjson");
    // Newest first, as an export may list them: the importer sends them oldest first.
    const lines = Array.from({ length: 2000 }, (_, n) => JSON.stringify({ body: `Update ${1999 - n}`, createdAt: hoursAgo(48, 60 * (1999 - n)), kind: "update" }));
    writeFileSync(file, `${lines.join("\n")}\n`);

    const reader = server.socket();
    const seen = { snapshot: undefined as Snapshot | undefined, patches: [] as PatchMessage[] };
    reader.on("snapshot", (message: SnapshotMessage) => void (seen.snapshot = message.snapshot));
    reader.on("patch", (message: PatchMessage) => {
      seen.patches.push(message);
      seen.snapshot = jsonpatch.applyPatch(structuredClone(seen.snapshot!), message.ops, true, false).newDocument;
    });
    await new Promise((resolve) => reader.emit("subscribe", { storyId: "migrated", view: "latest" }, resolve));
    const start = (await latest(server, "migrated")).version;

    const { stdout } = await importFile(file, token.body.secret);
    expect(stdout).toContain("2000 entries in 4 batches");
    expect(stdout).toContain("batch 4/4: 500 entries");
    expect(stdout).toContain("Done: 2000 entries imported.");
    // Whole lines, not the bare number: the server's port (42997 once) may contain "429".
    expect(stdout).not.toMatch(/waiting|retrying|retries/);
    const full = await latest(server, "migrated");
    expect(full.version).toBe(start + 4);
    expect(Object.keys(full.entries)).toHaveLength(2000);
    expect(entriesInDisplayOrder(full)[0]!.body).toBe("Update 1999");

    for (let waited = 0; seen.patches.length < 4 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.patches.map((p) => [p.from, p.to])).toEqual([0, 1, 2, 3].map((n) => [start + n, start + n + 1]));
    expect(seen.snapshot).toEqual(await latest(server, "migrated", "latest"));

    // After a crash the same command runs again: every batch is a replay, nothing is added.
    const again = await importFile(file, token.body.secret);
    expect(again.stdout.match(/\(already imported\)/g)).toHaveLength(4);
    expect((await latest(server, "migrated")).version).toBe(start + 4);
  });

  it("waits out a 429 as Retry-After says, and sends a batch whose answer was lost again under its key: added once", { timeout: 60_000 }, async () => {
    expect((await server.api("/api/stories", { body: { id: "flaky", title: "Flaky" } })).status).toBe(201);
    const file = join(dir, "flaky.json");
    writeFileSync(file, JSON.stringify({ entries: Array.from({ length: 700 }, (_, n) => ({ body: `Flaky ${n}`, createdAt: hoursAgo(5, n) })) }));
    // In front of the real server: the first batch is refused once (429), the second is committed but its answer lost.
    const seen: { key: string; status: number; at: number }[] = [];
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const key = String(req.headers["idempotency-key"]);
      if (seen.length === 0) {
        seen.push({ key, status: 429, at: Date.now() });
        res.writeHead(429, { "content-type": "application/json", "retry-after": "1" });
        return void res.end(JSON.stringify({ error: { code: "rate_limited", message: "Slow down.", details: { retryAfter: 1 } } }));
      }
      const answer = await fetch(server.url + req.url, { method: "POST", headers: { authorization: req.headers.authorization!, "content-type": "application/json", "idempotency-key": key }, body: Buffer.concat(chunks) });
      const body = await answer.text();
      seen.push({ key, status: answer.status, at: Date.now() });
      if (seen.length === 3) return void res.destroy();
      res.writeHead(answer.status, { "content-type": "application/json", ...(answer.headers.get("idempotent-replayed") ? { "idempotent-replayed": "true" } : {}) });
      res.end(body);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const { stdout } = await run(process.execPath, ["--import", "tsx", "server/cli/import.ts", "--url", `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, "--story", "flaky", "--token", TOKEN, file], { cwd: ROOT });
      expect(stdout).toContain("429 rate_limited: waiting 1 s");
      expect(stdout).toContain("Done: 700 entries imported after 2 retries.");
    } finally {
      proxy.close();
    }
    expect(seen.map(({ status }) => status)).toEqual([429, 201, 201, 201]);
    expect(seen[1]!.key).toBe(seen[0]!.key);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(seen[3]!.key).toBe(seen[2]!.key);
    const story = await latest(server, "flaky");
    expect(Object.keys(story.entries)).toHaveLength(700);
    expect(story.version).toBe(3);
  });

  it("imports a story's snapshot as GET /api/stories/:id serves it into another story", { timeout: 60_000 }, async () => {
    expect((await server.api("/api/stories", { body: { id: "copy", title: "Copy" } })).status).toBe(201);
    const source = await latest(server, "migrated");
    const small = { ...source, entries: Object.fromEntries(Object.entries(source.entries).slice(0, 3)) };
    const file = join(dir, "snapshot.json");
    writeFileSync(file, JSON.stringify(small));
    const { stdout } = await run(process.execPath, ["--import", "tsx", "server/cli/import.ts", "--url", server.url, "--story", "copy", "--batch-entries", "2", file], {
      cwd: ROOT,
      env: { ...process.env, TICKER_IMPORT_TOKEN: TOKEN },
    });
    expect(stdout).toContain("3 entries in 2 batches");
    expect(stdout).toContain("Done: 3 entries imported.");
    const copy = await latest(server, "copy");
    const strip = (e: Entry) => [e.body, e.createdAt, e.kind, e.pinned];
    expect(entriesInDisplayOrder(copy).map(strip)).toEqual(entriesInDisplayOrder(small).map(strip));
  });
});
