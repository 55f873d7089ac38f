import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { EntryResponse, HistoryResponse, PatchResponse } from "../../shared/api.js";
import { HistoryChange } from "../../shared/history-changes.js";
import { applyPatch } from "../../shared/patch.js";
import type { Snapshot } from "../../shared/story.js";
import { fingerprintOf } from "../http/idempotency.js";
import { createApp } from "../app.js";
import { loadConfig } from "../config.js";
import { createAccount } from "../auth/accounts-service.js";
import { SqliteStore } from "../store/sqlite-store.js";
import { startServer, TOKEN, type TestServer } from "./harness.js";

describe("REST API", () => {
  let server: TestServer;
  let story: Snapshot;
  const path = () => `/api/stories/${story.id}`;
  const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

  beforeAll(async () => {
    server = await startServer();
    const res = await server.api("/api/stories", { body: { title: "Kyiv strikes: day 2", summary: "Overnight attack" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe("/api/stories/kyiv-strikes-day-2");
    story = await json(res);
  });
  afterAll(() => server.close());

  it("creates a story under its title's slug, then under a free variant", async () => {
    expect(story).toMatchObject({ id: "kyiv-strikes-day-2", version: 1, status: "live", title: "Kyiv strikes: day 2", entries: {} });
    const again = await json<Snapshot>(await server.api("/api/stories", { body: { title: "Kyiv strikes: day 2" } }));
    expect(again.id).toBe("kyiv-strikes-day-2-2");
    const chosen = await server.api("/api/stories", { body: { id: "chosen-id", title: "Chosen" } });
    expect(chosen.status).toBe(201);
    const list = await json<{ stories: { id: string }[] }>(await server.api("/api/stories", { auth: false }));
    expect(list.stories.map((s) => s.id).sort()).toEqual(["chosen-id", "kyiv-strikes-day-2", "kyiv-strikes-day-2-2"]);
  });

  it("keeps a story's language: English unless given, set at creation and in its settings, a malformed tag a 400", async () => {
    expect(story.language).toBe("en");
    const created = await server.api("/api/stories", { body: { id: "lang-uk", title: "Удари по Києву", language: "uk-ua" } });
    expect(created.status).toBe(201);
    expect(await json<Snapshot>(created)).toMatchObject({ id: "lang-uk", language: "uk-UA" }); // stored canonical
    const moved = await server.api("/api/stories/lang-uk", { method: "PATCH", body: { language: "ar" } });
    expect(moved.status).toBe(200);
    const latest = await json<Snapshot>(await server.api("/api/stories/lang-uk"));
    expect(latest.language).toBe("ar");
    const history = await json<HistoryResponse>(await server.api("/api/stories/lang-uk/history"));
    expect(history.versions[0]!.summary).toBe("Language changed to ar");
    for (const [method, url, body] of [
      ["POST", "/api/stories", { title: "Bad", language: "en_US" }],
      ["PATCH", "/api/stories/lang-uk", { language: "not a language" }],
      ["PATCH", "/api/stories/lang-uk", { language: 7 }],
    ] as const) {
      const res = await server.api(url, { method, body });
      expect(res.status, `${method} ${JSON.stringify(body)}`).toBe(400);
      const { error } = await json<{ error: { code: string; details: { issues: { path: string; message: string }[] } } }>(res);
      expect(error.code).toBe("validation_failed");
      expect(error.details.issues[0]!.path).toBe("language");
    }
    const { error } = await json<{ error: { details: { issues: { message: string }[] } } }>(
      await server.api("/api/stories", { body: { title: "Bad", language: "en_US" } }),
    );
    expect(error.details.issues[0]!.message).toBe("must be a well-formed BCP 47 language tag, such as en, uk, ar or pt-BR");
  });

  it("adds, edits, pins and removes entries, each a new version", async () => {
    const added = await server.api(`${path()}/entries`, { body: { body: "Sirens across **Kyiv**", headline: "Air alert", kind: "breaking" } });
    expect(added.status).toBe(201);
    const { entry, version } = await json<EntryResponse>(added);
    expect(version).toBe(2);
    expect(added.headers.get("etag")).toBe('"2"');
    expect(entry).toMatchObject({ kind: "breaking", pinned: false, revision: 1, headline: "Air alert", html: "<p>Sirens across <strong>Kyiv</strong></p>", author: { name: "Newsroom" } });
    expect(entry.id).toMatch(/^e_[A-Za-z0-9]{8}$/);

    const edited = await server.api(`${path()}/entries/${entry.id}`, { method: "PATCH", body: { body: "Sirens over", kind: "correction" } });
    expect(edited.status).toBe(200);
    expect(await json(edited)).toMatchObject({ version: 3, entry: { revision: 2, kind: "correction", headline: "Air alert" } });

    const unchanged = await server.api(`${path()}/entries/${entry.id}`, { method: "PATCH", body: { body: "Sirens over" } });
    expect(await json(unchanged)).toMatchObject({ version: 3 }); // nothing changed, no new version

    const removed = await server.api(`${path()}/entries/${entry.id}`, { method: "DELETE" });
    expect(await json(removed)).toEqual({ version: 4 });
    const latest = await json<Snapshot>(await server.api(path()));
    expect(latest.entries).toEqual({});
    expect((await server.api(`${path()}/entries/${entry.id}`, { method: "DELETE" })).status).toBe(404);

    const patched = await server.api(path(), { method: "PATCH", body: { status: "ended" } });
    expect(await json(patched)).toEqual({ version: 5 });
    story = await json<Snapshot>(await server.api(path()));
    expect(story.status).toBe("ended");
  });

  it("serves the latest snapshot with its version as ETag and answers 304 when it has not changed", async () => {
    const res = await server.api(path(), { auth: false });
    expect(res.headers.get("etag")).toBe(`"${story.version}"`);
    expect(res.headers.get("cache-control")).toBe("public, max-age=0, s-maxage=5, stale-while-revalidate=60");
    const again = await server.api(path(), { auth: false, headers: { "if-none-match": `"${story.version}"` } });
    expect(again.status).toBe(304);
    const listed = await server.api(path(), { auth: false, headers: { "if-none-match": `"1", W/"${story.version}"` } });
    expect(listed.status).toBe(304);
    const stale = await server.api(path(), { auth: false, headers: { "if-none-match": '"1"' } });
    expect(stale.status).toBe(200);
  });

  it("serves any version as an immutable snapshot", async () => {
    const v2 = await server.api(`${path()}?version=2`, { auth: false });
    expect(v2.status).toBe(200);
    expect(v2.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(v2.headers.get("etag")).toBe('"2"');
    const snapshot = await json<Snapshot>(v2);
    expect(snapshot.version).toBe(2);
    expect(Object.values(snapshot.entries)).toMatchObject([{ headline: "Air alert", revision: 1, kind: "breaking" }]);
  });

  it("serves one compacted patch between any two versions", async () => {
    const v1 = await json<Snapshot>(await server.api(`${path()}?version=1`));
    const patch = await json<PatchResponse>(await server.api(`${path()}/patch?from=1`, { auth: false }));
    expect(patch).toMatchObject({ storyId: story.id, from: 1, to: story.version });
    expect(patch.ops.at(-1)).toEqual({ op: "replace", path: "/version", value: story.version });
    expect(applyPatch(v1, patch.ops)).toEqual(story);
    // v1 → v4: an entry added then removed leaves no trace in the compacted patch.
    const compact = await json<PatchResponse>(await server.api(`${path()}/patch?from=1&to=4`));
    expect(compact.ops.some((op) => op.path.startsWith("/entries/"))).toBe(false);
    expect(applyPatch(v1, compact.ops)).toEqual(await json(await server.api(`${path()}?version=4`)));
  });

  it("lists the history newest first, with author, an English summary and the structured changes of each", async () => {
    const { versions } = await json<HistoryResponse>(await server.api(`${path()}/history`, { auth: false }));
    expect(versions.map((v) => v.version)).toEqual([5, 4, 3, 2, 1]);
    expect(versions.map((v) => v.summary)).toEqual([
      "Live coverage ended",
      'Removed "Air alert"',
      'Edited "Air alert" as a correction',
      'Added "Air alert"',
      "Story created",
    ]);
    const entryId = versions[3]!.changes[0]!.type === "entry_added" ? versions[3]!.changes[0]!.entryId : "";
    expect(versions.map((v) => v.changes)).toEqual([
      [{ type: "status_changed", status: "ended" }],
      [{ type: "entry_removed", entryId, label: "Air alert" }],
      [{ type: "entry_edited", entryId, label: "Air alert", fields: expect.arrayContaining(["kind"]), kind: "correction" }],
      [{ type: "entry_added", entryId, label: "Air alert", kind: "breaking", pinned: false }],
      [{ type: "story_created", title: story.title, language: "en" }],
    ]);
    for (const version of versions) expect(z.array(HistoryChange).parse(version.changes)).toEqual(version.changes);
    expect(versions[0]).toMatchObject({ author: { name: "Newsroom" }, at: story.updatedAt });
    const page = await json<HistoryResponse>(await server.api(`${path()}/history?before=3&limit=1`));
    expect(page.versions.map((v) => v.version)).toEqual([2]);
  });

  it("applies a write with a current If-Match and refuses a stale one with 412", async () => {
    const ok = await server.api(path(), { method: "PATCH", body: { summary: "Fresh" }, headers: { "if-match": `"${story.version}"` } });
    expect(ok.status).toBe(200);
    const stale = await server.api(path(), { method: "PATCH", body: { summary: "Stale" }, headers: { "if-match": `"${story.version}"` } });
    expect(stale.status).toBe(412);
    expect(await json(stale)).toEqual({
      error: { code: "precondition_failed", message: expect.any(String), details: { currentVersion: story.version + 1 } },
    });
    story = await json<Snapshot>(await server.api(path()));
    expect(story.summary).toBe("Fresh");
  });

  it("replays a retried write with the same Idempotency-Key and changes nothing", async () => {
    const send = () => server.api(`${path()}/entries`, { body: { body: "Once only" }, headers: { "idempotency-key": "retry-1" } });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(second)).toEqual(await json(first));
    const latest = await json<Snapshot>(await server.api(path()));
    expect(Object.values(latest.entries).filter((e) => e.body === "Once only")).toHaveLength(1);
    story = latest;
  });

  it("answers 409 while the first request with a key is still in flight", async () => {
    const body = { body: "Slow one" };
    const url = `${path()}/entries`;
    // Another node (or a request still running here) holds the key for exactly this request.
    const claim = { scope: "admin-token", key: "in-flight-1", fingerprint: fingerprintOf("POST", url, body) };
    expect(await server.app.store.claimIdempotencyKey(claim, 30_000)).toEqual({ kind: "claimed" });
    const res = await server.api(url, { body, headers: { "idempotency-key": "in-flight-1" } });
    expect(res.status).toBe(409);
    expect((await json<{ error: { code: string } }>(res)).error.code).toBe("idempotency_key_in_use");
    expect((await json<Snapshot>(await server.api(path()))).version).toBe(story.version);
  });

  it("lets a key whose write failed be used again for a corrected request", async () => {
    const bad = await server.api(`${path()}/entries`, { body: { body: "" }, headers: { "idempotency-key": "fix-me" } });
    expect(bad.status).toBe(400);
    const good = await server.api(`${path()}/entries`, { body: { body: "" + "Fixed" }, headers: { "idempotency-key": "fix-me" } });
    expect(good.status).toBe(201);
  });

  it("reports health and readiness", async () => {
    expect(await json(await server.api("/healthz", { auth: false }))).toEqual({ status: "ok" });
    expect(await json(await server.api("/readyz", { auth: false }))).toEqual({ status: "ready", checks: { store: "ok" } });
  });

  it("never says it is Express", async () => {
    expect((await server.api("/api/stories")).headers.get("x-powered-by")).toBeNull();
  });
});

describe("logging", () => {
  it("logs each request with its id, never its credentials", async () => {
    let output = "";
    const sink = new Writable({ write: (chunk, _enc, done) => ((output += chunk.toString()), done()) });
    const dir = mkdtempSync(join(tmpdir(), "live-ticker-log-"));
    const config = loadConfig({ PORT: "0", DATA_DIR: dir, TICKER_ADMIN_TOKEN: TOKEN });
    const app = createApp(config, new SqliteStore(join(dir, "db")), { log: pino({ level: "info" }, sink) });
    const port = await app.listen();
    const res = await fetch(`http://127.0.0.1:${port}/api/stories`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", cookie: "s=secret-cookie" },
      body: JSON.stringify({ title: "Logged" }),
    });
    expect(res.status).toBe(201);
    await app.close();
    const line = output.split("\n").find((l) => l.includes('"url":"/api/stories"'));
    expect(JSON.parse(line!)).toMatchObject({ req: { id: res.headers.get("x-request-id"), method: "POST" }, res: { statusCode: 201 } });
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain("secret-cookie");
  });
});

describe("review fixes", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    await server.api("/api/stories", { body: { id: "s", title: "S" } });
  });
  afterAll(() => server.close());

  it("replays a creation with its Location, and recognises a retry whose keys come in another order", async () => {
    const first = await server.api("/api/stories", { body: { id: "idem", title: "Idem", summary: "x" }, headers: { "idempotency-key": "c1" } });
    const replay = await server.api("/api/stories", { body: '{"summary":"x","title":"Idem","id":"idem"}', headers: { "idempotency-key": "c1" } });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("location")).toBe(first.headers.get("location"));
  });

  it("keeps Markdown bodies exactly as written", async () => {
    const body = "    const x = 1;\n\nafter";
    const res = await server.api("/api/stories/s/entries", { body: { body } });
    const { entry } = (await res.json()) as EntryResponse;
    expect(entry.body).toBe(body);
    expect(entry.html).toContain("<pre><code>const x = 1;");
  });

  it("answers an empty JSON body with 400, not 415", async () => {
    const res = await server.api("/api/stories/s/entries", { method: "POST", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
  });

  it("serves readers whatever credentials they carry: a mangled or dead cookie, a bad token", async () => {
    const variants: Record<string, string>[] = [{ cookie: "lt_session=%E0%A4%A" }, { cookie: "lt_session=long-gone" }, { authorization: "Bearer not-a-token" }, { authorization: "Basic x" }];
    for (const headers of variants) {
      const res = await fetch(`${server.url}/api/stories/s`, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
    }
    const write = await fetch(`${server.url}/api/stories/s/entries`, {
      method: "POST",
      headers: { authorization: "Bearer not-a-token", "content-type": "application/json" },
      body: JSON.stringify({ body: "x" }),
    });
    expect(write.status).toBe(401);
  });

  it("never leaves the newsroom without an admin account", async () => {
    const { user } = await createAccount(server.app.store.accounts, "solo-admin", "admin");
    const demote = await server.api(`/api/users/${user.id}`, { method: "PATCH", body: { role: "editor" } });
    expect(demote.status).toBe(409);
    expect(((await demote.json()) as { error: { code: string } }).error.code).toBe("last_admin");
    expect((await server.api(`/api/users/${user.id}`, { method: "DELETE" })).status).toBe(409);
    await createAccount(server.app.store.accounts, "second-admin", "admin");
    expect((await server.api(`/api/users/${user.id}`, { method: "PATCH", body: { role: "editor" } })).status).toBe(200);
  });

  it("answers a cross-origin preflight for reads", async () => {
    const res = await fetch(`${server.url}/api/stories/s`, {
      method: "OPTIONS",
      headers: { origin: "https://partner.example", "access-control-request-method": "GET", "access-control-request-headers": "if-none-match" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toBe("If-None-Match");
  });
});
