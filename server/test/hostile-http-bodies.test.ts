/**
 * Bad HTTP input (DESIGN.md §3), what a careless client sends: malformed, wrongly typed and
 * oversized bodies, wrong media types, unknown and malformed ids, missing or wrong tokens, bad
 * versions and If-Match, Idempotency-Key misuse, a __proto__ key in a body. Each gets the
 * documented status and `{error:{code,message}}` body, leaks nothing internal, and leaves the
 * store exactly as it was. What an attacker sends is in hostile-http-attacks.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorBody } from "../../shared/api.js";
import { startServer, TOKEN, type TestServer } from "./harness.js";
import { expectError, expectUnchanged as expectUnchangedOn, getJson as getJsonOf, storeState as storeStateOf } from "./hostile-assertions.js";

const STORY = "bad-input-story";
const UNKNOWN_STORY = "no-such-story";
const UNKNOWN_ENTRY = "e_ZZZZZZZZ";

let server: TestServer;
const entryIds: string[] = [];

beforeAll(async () => {
  server = await startServer();
  const created = await server.api("/api/stories", { body: { id: STORY, title: "Bad input", summary: "A story to throw garbage at." } });
  expect(created.status).toBe(201);
  for (const body of ["First **entry**.", "Second entry."]) {
    const res = await server.api(`/api/stories/${STORY}/entries`, { body: { body, headline: "Headline" } });
    expect(res.status).toBe(201);
    entryIds.push(((await res.json()) as { entry: { id: string } }).entry.id);
  }
  expect((await storeState()).stories[STORY]?.snapshot.version).toBe(3);
});

afterAll(async () => {
  await server?.close();
});

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const getJson = (path: string) => getJsonOf(server, path);
const storeState = () => storeStateOf(server);
const expectUnchanged = <T>(action: () => Promise<T>) => expectUnchangedOn(server, action);

/** fetch() with full control of body bytes and headers (no Content-Type unless given). */
function raw(path: string, init: { method?: string; body?: string | Uint8Array<ArrayBuffer>; headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(server.url + path, {
    method: init.method ?? "POST",
    headers: { authorization: `Bearer ${TOKEN}`, ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

const JSON_HEADERS = { "content-type": "application/json" };
const entries = () => `/api/stories/${STORY}/entries`;
const entry = (n: number) => `/api/stories/${STORY}/entries/${entryIds[n]}`;

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

interface HttpCase {
  name: string;
  send: () => Promise<Response>;
  status: number;
  code: string;
  check?: (error: ErrorBody) => void | Promise<void>;
}

const issueAt = (path: string) => (error: ErrorBody) => {
  const issues = (error.details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
  expect(issues?.map((i) => i.path)).toContain(path);
};

const httpCases: HttpCase[] = [
  // Bodies that are not a JSON object of the right shape.
  { name: "malformed JSON", send: () => raw(entries(), { body: '{"body": "x",', headers: JSON_HEADERS }), status: 400, code: "invalid_json" },
  { name: "JSON array body", send: () => raw(entries(), { body: '[{"body":"x"}]', headers: JSON_HEADERS }), status: 400, code: "validation_failed" },
  { name: "JSON null body", send: () => raw(entries(), { body: "null", headers: JSON_HEADERS }), status: 400, code: "invalid_json" },
  { name: "JSON string body", send: () => raw(entries(), { body: '"hello"', headers: JSON_HEADERS }), status: 400, code: "invalid_json" },
  { name: "entry body of the wrong type", send: () => server.api(entries(), { body: { body: 42 } }), status: 400, code: "validation_failed", check: issueAt("body") },
  { name: "pinned as a string", send: () => server.api(entries(), { body: { body: "x", pinned: "yes" } }), status: 400, code: "validation_failed", check: issueAt("pinned") },
  { name: "unknown entry kind", send: () => server.api(entries(), { body: { body: "x", kind: "rumour" } }), status: 400, code: "validation_failed", check: issueAt("kind") },
  { name: "unknown story status", send: () => server.api(`/api/stories/${STORY}`, { method: "PATCH", body: { status: "paused" } }), status: 400, code: "validation_failed", check: issueAt("status") },
  { name: "story title as an array", send: () => server.api("/api/stories", { body: { title: ["x"] } }), status: 400, code: "validation_failed", check: issueAt("title") },
  { name: "unknown extra field", send: () => server.api(entries(), { body: { body: "x", extra: true } }), status: 400, code: "validation_failed" },
  { name: "empty {} to PATCH a story", send: () => server.api(`/api/stories/${STORY}`, { method: "PATCH", body: {} }), status: 400, code: "validation_failed" },
  { name: "empty {} to PATCH an entry", send: () => server.api(entry(0), { method: "PATCH", body: {} }), status: 400, code: "validation_failed" },
  { name: "headline of 201 chars", send: () => server.api(entries(), { body: { body: "x", headline: "h".repeat(201) } }), status: 400, code: "validation_failed", check: issueAt("headline") },
  { name: "body of 10 001 chars", send: () => server.api(entries(), { body: { body: "b".repeat(10_001) } }), status: 400, code: "validation_failed", check: issueAt("body") },
  { name: "edit with a body of 10 001 chars", send: () => server.api(entry(1), { method: "PATCH", body: { body: "b".repeat(10_001) } }), status: 400, code: "validation_failed", check: issueAt("body") },
  { name: "body of 100 KB", send: () => server.api(entries(), { body: { body: "b".repeat(100 * 1024) } }), status: 413, code: "payload_too_large" },
  { name: "text/plain content type", send: () => raw(entries(), { body: '{"body":"x"}', headers: { "content-type": "text/plain" } }), status: 415, code: "unsupported_media_type" },
  { name: "no content type", send: () => raw(entries(), { body: new TextEncoder().encode('{"body":"x"}') }), status: 415, code: "unsupported_media_type" },
  { name: "empty request body with a JSON content type", send: () => raw(entries(), { body: "", headers: JSON_HEADERS }), status: 400, code: "validation_failed" },

  // Credentials.
  { name: "missing token", send: () => server.api(entries(), { body: { body: "x" }, auth: false }), status: 401, code: "unauthorized" },
  { name: "wrong token", send: () => server.api(entries(), { body: { body: "x" }, headers: { authorization: "Bearer not-the-token" } }), status: 401, code: "unauthorized" },
  { name: "Basic auth scheme", send: () => server.api(entries(), { body: { body: "x" }, headers: { authorization: `Basic ${btoa(`admin:${TOKEN}`)}` } }), status: 401, code: "unauthorized" },
  { name: "DELETE without a token", send: () => server.api(entry(0), { method: "DELETE", auth: false }), status: 401, code: "unauthorized" },

  // Unknown or malformed resources.
  { name: "GET an unknown story", send: () => server.api(`/api/stories/${UNKNOWN_STORY}`, { auth: false }), status: 404, code: "story_not_found" },
  { name: "history of an unknown story", send: () => server.api(`/api/stories/${UNKNOWN_STORY}/history`, { auth: false }), status: 404, code: "story_not_found" },
  { name: "add an entry to an unknown story", send: () => server.api(`/api/stories/${UNKNOWN_STORY}/entries`, { body: { body: "x" } }), status: 404, code: "story_not_found" },
  { name: "PATCH an unknown story", send: () => server.api(`/api/stories/${UNKNOWN_STORY}`, { method: "PATCH", body: { title: "x" } }), status: 404, code: "story_not_found" },
  { name: "uppercase story id in the URL", send: () => server.api("/api/stories/Bad-Story", { auth: false }), status: 400, code: "invalid_story_id" },
  { name: "uppercase story id in a write URL", send: () => server.api("/api/stories/BAD/entries", { body: { body: "x" } }), status: 400, code: "invalid_story_id" },
  { name: "..%2F.. as story id", send: () => server.api("/api/stories/..%2F..", { auth: false }), status: 400, code: "invalid_story_id" },
  { name: "..%2F.. as story id in a PATCH", send: () => server.api("/api/stories/..%2F..", { method: "PATCH", body: { title: "x" } }), status: 400, code: "invalid_story_id" },
  { name: "malformed entry id", send: () => server.api(`/api/stories/${STORY}/entries/not-an-entry`, { method: "PATCH", body: { body: "x" } }), status: 404, code: "entry_not_found" },
  { name: "unknown entry id (PATCH)", send: () => server.api(`/api/stories/${STORY}/entries/${UNKNOWN_ENTRY}`, { method: "PATCH", body: { body: "x" } }), status: 404, code: "entry_not_found" },
  { name: "unknown entry id (DELETE)", send: () => server.api(`/api/stories/${STORY}/entries/${UNKNOWN_ENTRY}`, { method: "DELETE" }), status: 404, code: "entry_not_found" },
  { name: "create a story whose id exists", send: () => server.api("/api/stories", { body: { id: STORY, title: "Duplicate" } }), status: 409, code: "story_exists" },
  { name: "invalid slug in the POST body", send: () => server.api("/api/stories", { body: { id: "Not A Slug!", title: "x" } }), status: 400, code: "validation_failed", check: issueAt("id") },
  { name: "slug of 65 chars in the POST body", send: () => server.api("/api/stories", { body: { id: "a".repeat(65), title: "x" } }), status: 400, code: "validation_failed", check: issueAt("id") },
  { name: "unknown API route", send: () => server.api("/api/nothing-here", { auth: false }), status: 404, code: "not_found" },
  { name: "unknown write route", send: () => server.api(`/api/stories/${STORY}/entries/${entryIds[0]}/nope`, { body: { body: "x" } }), status: 404, code: "not_found" },

  // Conditional requests and idempotency keys.
  { name: "garbage If-Match", send: () => server.api(entries(), { body: { body: "x" }, headers: { "if-match": "banana" } }), status: 400, code: "bad_request" },
  { name: "If-Match without quotes", send: () => server.api(`/api/stories/${STORY}`, { method: "PATCH", body: { title: "x" }, headers: { "if-match": "3" } }), status: 400, code: "bad_request" },
  { name: "Idempotency-Key of 300 chars", send: () => server.api(entries(), { body: { body: "x" }, headers: { "idempotency-key": "k".repeat(300) } }), status: 400, code: "bad_request" },
  { name: "empty Idempotency-Key", send: () => server.api(entries(), { body: { body: "x" }, headers: { "idempotency-key": "" } }), status: 400, code: "bad_request" },

  // Version query parameters.
  ...["0", "-1", "1.5", "abc", "1e3", ""].map(
    (v): HttpCase => ({ name: `?version=${v}`, send: () => server.api(`/api/stories/${STORY}?version=${v}`, { auth: false }), status: 400, code: "invalid_version" }),
  ),
  { name: "?version=999999", send: () => server.api(`/api/stories/${STORY}?version=999999`, { auth: false }), status: 404, code: "version_not_found" },
  { name: "patch with from > to", send: () => server.api(`/api/stories/${STORY}/patch?from=3&to=2`, { auth: false }), status: 400, code: "invalid_version" },
  { name: "patch without from", send: () => server.api(`/api/stories/${STORY}/patch`, { auth: false }), status: 400, code: "invalid_version" },
  { name: "patch with from=0", send: () => server.api(`/api/stories/${STORY}/patch?from=0`, { auth: false }), status: 400, code: "invalid_version" },
  { name: "patch from a version after the latest", send: () => server.api(`/api/stories/${STORY}/patch?from=999999`, { auth: false }), status: 404, code: "version_not_found" },
  { name: "history with ?limit=abc", send: () => server.api(`/api/stories/${STORY}/history?limit=abc`, { auth: false }), status: 400, code: "validation_failed" },
];

describe("HTTP bad input", () => {
  it.each(httpCases)("$name → $status $code", async ({ send, status, code, check }) => {
    await expectUnchanged(async () => {
      const error = await expectError(await send(), status, code);
      await check?.(error);
    });
  });

  it("stale If-Match → 412 precondition_failed with details.currentVersion", async () => {
    const current = (await getJson(`/api/stories/${STORY}`)).version as number;
    expect(current).toBeGreaterThan(1);
    await expectUnchanged(async () => {
      for (const send of [
        () => server.api(entries(), { body: { body: "stale" }, headers: { "if-match": '"1"' } }),
        () => server.api(`/api/stories/${STORY}`, { method: "PATCH", body: { title: "stale" }, headers: { "if-match": `"${current - 1}"` } }),
        () => server.api(entry(0), { method: "DELETE", headers: { "if-match": '"1"' } }),
      ]) {
        const error = await expectError(await send(), 412, "precondition_failed");
        expect(error.details).toEqual({ currentVersion: current });
      }
    });
  });

  it("Idempotency-Key reused with another body → 422 idempotency_key_reused", async () => {
    const key = "bad-input-reused-key";
    const first = await server.api(entries(), { body: { body: "Sent with a key." }, headers: { "idempotency-key": key } });
    expect(first.status).toBe(201);
    const { version } = (await first.json()) as { version: number };
    expect((await getJson(`/api/stories/${STORY}`)).version).toBe(version);

    await expectUnchanged(async () => {
      await expectError(
        await server.api(entries(), { body: { body: "Another body." }, headers: { "idempotency-key": key } }),
        422,
        "idempotency_key_reused",
      );
      // The same key on another route is another request too.
      await expectError(
        await server.api(`/api/stories/${STORY}`, { method: "PATCH", body: { title: "Other" }, headers: { "idempotency-key": key } }),
        422,
        "idempotency_key_reused",
      );
    });
  });

  it("a __proto__ key in the body is rejected and pollutes nothing", async () => {
    const payloads = [
      '{"body":"x","__proto__":{"polluted":true}}',
      '{"__proto__":{"polluted":true}}',
      '{"body":"x","constructor":{"prototype":{"polluted":true}}}',
    ];
    await expectUnchanged(async () => {
      for (const body of payloads) {
        await expectError(await raw(entries(), { body, headers: JSON_HEADERS }), 400, "validation_failed");
        await expectError(await raw(entry(0), { method: "PATCH", body, headers: JSON_HEADERS }), 400, "validation_failed");
      }
      await expectError(
        await raw(`/api/stories/${STORY}`, { method: "PATCH", body: '{"title":"x","__proto__":{"polluted":true}}', headers: JSON_HEADERS }),
        400,
        "validation_failed",
      );
      await expectError(await raw("/api/stories", { body: '{"title":"x","__proto__":{"polluted":true}}', headers: JSON_HEADERS }), 400, "validation_failed");
    });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted")).toBe(false);
  });
});
