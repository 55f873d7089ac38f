/**
 * HTTP requests an attacker rather than a careless client sends: compression bombs, chunked and
 * deeply nested bodies, encodings, smuggled keys, invisible and broken Unicode, traversal, SQL,
 * forged and stale credentials, leaked tokens reaching past their scopes, /metrics through a
 * proxy, another site's script asking for private answers, prototype keys in the query. Every one
 * gets its exact status and code and leaves the store a reader sees unchanged.
 */
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../shared/json-depth.js";
import { secretHash } from "../auth/secrets.js";
import { createAccount } from "../auth/accounts-service.js";
import { TOKEN, type TestServer } from "./harness.js";
import { expectError, expectUnchanged, getJson } from "./hostile-assertions.js";

import { entries, JSON_TYPE, nested, raw, startHostileServer, STORY, type Leaked } from "./hostile-server.js";

let server: TestServer;
let entryId: string;
let leaked: Leaked;
beforeAll(async () => {
  ({ server, entryId, leaked } = await startHostileServer());
});
afterAll(async () => {
  await server?.close();
});

const post = (path: string, body: BodyInit, headers: Record<string, string> = JSON_TYPE) => raw(server.url, path, { body, headers });
const read = (path: string, headers: Record<string, string> = {}) => server.api(path, { auth: false, headers });

/** A body of `chunks` × 1 KB sent chunked, with no Content-Length to judge it by. */
function chunked(chunks: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode('{"body":"'));
      for (let n = 0; n < chunks; n++) controller.enqueue(encoder.encode("a".repeat(1024)));
      controller.enqueue(encoder.encode('"}'));
      controller.close();
    },
  });
}

/** A write signed in through a session cookie (and nothing else), as a browser on this site would send it. */
const withCookie = (cookie: string) =>
  fetch(server.url + entries, {
    method: "POST",
    headers: { ...JSON_TYPE, cookie: `lt_session=${cookie}`, "sec-fetch-site": "same-origin" },
    body: '{"body":"x"}',
  });
/** A request of the hostile admin's fresh session, as its desk would send it. */
const asAdminSession = (method: string, path: string, body: string) =>
  fetch(server.url + path, { method, headers: { ...JSON_TYPE, cookie: `lt_session=${leaked.session}`, "sec-fetch-site": "same-origin" }, body });
const withBearer = (token: string) => raw(server.url, entries, { body: '{"body":"x"}', headers: { ...JSON_TYPE, authorization: `Bearer ${token}` } });

// ---------------------------------------------------------------------------------------------
// HTTP: refused, with the exact error and nothing written

// ---------------------------------------------------------------------------------------------

interface HttpCase {
  name: string;
  send: () => Promise<Response>;
  status: number;
  code: string;
  /** The field a validation error must name. */
  field?: string;
}

const httpCases: HttpCase[] = [
  // Bodies built to hurt the parser.
  { name: "gzip bomb: 5 KB inflating to 5 MB", send: () => post(entries, gzipSync(JSON.stringify({ body: "a".repeat(5_000_000) })), { ...JSON_TYPE, "content-encoding": "gzip" }), status: 413, code: "payload_too_large" },
  { name: "chunked body past the limit, no Content-Length", send: () => post(entries, chunked(100)), status: 413, code: "payload_too_large" },
  { name: "Content-Encoding nobody speaks", send: () => post(entries, '{"body":"x"}', { ...JSON_TYPE, "content-encoding": "compress" }), status: 415, code: "unsupported_media_type" },
  { name: "JSON declared as ISO-8859-1", send: () => post(entries, '{"body":"x"}', { "content-type": "application/json; charset=iso-8859-1" }), status: 415, code: "unsupported_media_type" },
  { name: "JSON Patch media type", send: () => post(entries, '[{"op":"add","path":"/x","value":1}]', { "content-type": "application/json-patch+json" }), status: 415, code: "unsupported_media_type" },
  { name: "multipart form", send: () => post(entries, "--b\r\nContent-Disposition: form-data; name=body\r\n\r\nx\r\n--b--", { "content-type": "multipart/form-data; boundary=b" }), status: 415, code: "unsupported_media_type" },
  { name: "20 000 nested arrays", send: () => post(entries, nested(20_000)), status: 400, code: "invalid_json" },
  { name: "20 000 nested arrays with an Idempotency-Key", send: () => post(entries, nested(20_000), { ...JSON_TYPE, "idempotency-key": "deep" }), status: 400, code: "invalid_json" },
  { name: "5 000 nested objects", send: () => post(entries, '{"body":'.repeat(5_000) + '"x"' + "}".repeat(5_000)), status: 400, code: "invalid_json" },
  { name: `a field nested ${MAX_JSON_DEPTH} levels deep (the body is ${MAX_JSON_DEPTH + 1})`, send: () => post(entries, `{"body":${nested(MAX_JSON_DEPTH)}}`), status: 400, code: "invalid_json" },
  { name: `a field nested ${MAX_JSON_DEPTH - 1} levels deep is judged as a field`, send: () => post(entries, `{"body":${nested(MAX_JSON_DEPTH - 1)}}`, { ...JSON_TYPE, "idempotency-key": "deep-enough" }), status: 400, code: "validation_failed", field: "body" },
  // Every route that reads a body refuses depth before anything else looks at it.
  ...[
    ["POST", "/api/session"],
    ["POST", "/api/session/password"],
    ["POST", "/api/users"],
    ["PATCH", "/api/users/u_nobody"],
    ["POST", `/api/stories/${STORY}/drafts`],
    ["PATCH", `/api/stories/${STORY}/drafts/d_nobody`],
    ["POST", "/api/stories"],
    ["PATCH", `/api/stories/${STORY}`],
    ["PATCH", `${entries}/e_nobody`],
  ].map(
    ([method, path]): HttpCase => ({
      name: `${method} ${path} with 10 000 nested arrays and an Idempotency-Key`,
      send: () => raw(server.url, path!, { method: method!, body: nested(10_000), headers: { ...JSON_TYPE, "idempotency-key": `deep-${method}-${path}` } }),
      status: 400,
      code: "invalid_json",
    }),
  ),
  { name: "a duplicate key smuggling a second value", send: () => post(entries, '{"body":"fine","body":42}'), status: 400, code: "validation_failed", field: "body" },
  { name: "trailing garbage after the JSON", send: () => post(entries, '{"body":"x"} {"body":"y"}'), status: 400, code: "invalid_json" },
  { name: "a NaN literal", send: () => post(entries, '{"body":"x","pinned":NaN}'), status: 400, code: "invalid_json" },
  { name: "__proto__ inside a field's value", send: () => post(entries, '{"body":{"__proto__":{"polluted":true}}}'), status: 400, code: "validation_failed", field: "body" },

  // Unicode that is not text, or shows nothing.
  { name: "a lone high surrogate in a body", send: () => post(entries, '{"body":"before \\ud800 after"}'), status: 400, code: "validation_failed", field: "body" },
  { name: "a lone low surrogate as a title", send: () => post("/api/stories", '{"title":"\\udc00"}'), status: 400, code: "validation_failed", field: "title" },
  { name: "a lone surrogate in a headline edit", send: () => raw(server.url, `${entries}/${entryId}`, { method: "PATCH", body: '{"headline":"x\\udbff"}', headers: JSON_TYPE }), status: 400, code: "validation_failed", field: "headline" },
  { name: "a title of zero-width spaces only", send: () => server.api("/api/stories", { body: { title: "\u200b\u200c\u200d\ufeff" } }), status: 400, code: "validation_failed", field: "title" },
  { name: "a body of bidi controls only", send: () => server.api(entries, { body: { body: "\u202e\u2066\u200f \n" } }), status: 400, code: "validation_failed", field: "body" },
  { name: "a NUL in a headline", send: () => server.api(entries, { body: { body: "x", headline: "a\u0000b" } }), status: 400, code: "validation_failed", field: "headline" },
  { name: "an ANSI escape in a body", send: () => server.api(entries, { body: { body: "\u001b[2J cleared" } }), status: 400, code: "validation_failed", field: "body" },
  { name: "a lone surrogate percent-encoded in the URL", send: () => read("/api/stories/%ED%A0%80"), status: 400, code: "bad_request" },
  { name: "broken percent-encoding in the URL", send: () => read("/api/stories/%E0%A4%A"), status: 400, code: "bad_request" },

  // Ids that try to leave their place.
  { name: "../../etc/passwd, percent-encoded", send: () => read("/api/stories/%2e%2e%2f%2e%2e%2fetc%2fpasswd"), status: 400, code: "invalid_story_id" },
  { name: "a double-encoded slash", send: () => read("/api/stories/..%252F..%252Fetc"), status: 400, code: "invalid_story_id" },
  { name: "backslashes", send: () => read("/api/stories/..%5C..%5Cwindows"), status: 400, code: "invalid_story_id" },
  { name: "a NUL byte in a story id", send: () => read(`/api/stories/${STORY}%00.json`), status: 400, code: "invalid_story_id" },
  { name: "an encoded slash in a history URL", send: () => read("/api/stories/a%2Fb/history"), status: 400, code: "invalid_story_id" },
  { name: "traversal into a feed", send: () => read("/stories/..%2F..%2Fetc%2Fpasswd/feed.json"), status: 400, code: "invalid_story_id" },
  { name: "an encoded slash in an entry id", send: () => server.api(`${entries}/e_abcd%2F..%2F..`, { method: "PATCH", body: { body: "x" } }), status: 404, code: "entry_not_found" },
  { name: "__proto__ as a story id", send: () => read("/api/stories/__proto__"), status: 400, code: "invalid_story_id" },
  { name: '"constructor" as a story id', send: () => read("/api/stories/constructor"), status: 404, code: "story_not_found" },
  { name: '"prototype" as a story to write to', send: () => server.api("/api/stories/prototype/entries", { body: { body: "x" } }), status: 404, code: "story_not_found" },
  { name: "__proto__ as an entry id", send: () => server.api(`${entries}/__proto__`, { method: "PATCH", body: { body: "x" } }), status: 404, code: "entry_not_found" },

  // SQL where a number or an id goes.
  { name: "SQL in a story id", send: () => read("/api/stories/x'%20OR%20'1'%3D'1"), status: 400, code: "invalid_story_id" },
  { name: "SQL after ?version", send: () => read(`/api/stories/${STORY}?version=1;DROP%20TABLE%20stories`), status: 400, code: "invalid_version" },
  { name: "SQL in ?from", send: () => read(`/api/stories/${STORY}/patch?from=1%20UNION%20SELECT%201`), status: 400, code: "invalid_version" },
  { name: "SQL in ?before", send: () => read(`/api/stories/${STORY}/history?before=1)%20OR%20(1=1`), status: 400, code: "invalid_version" },

  // Numbers that are not versions (hostile-http-bodies.test.ts has 0, -1, 1.5, abc, 1e3 and empty).
  ...["NaN", "Infinity", "0x10", "%2B1", "%201", "01", "-0", "9007199254740993", "1&version=2"].map(
    (v): HttpCase => ({ name: `?version=${v}`, send: () => read(`/api/stories/${STORY}?version=${v}`), status: 400, code: "invalid_version" }),
  ),
  ...["from=-1", "from=1.5", "from=NaN", "from=1&to=0", "from=1&to=-3", "from=1&to=Infinity", "from=1&to=1e2", "from=1&to=99999999999999999999", "from[]=1"].map(
    (q): HttpCase => ({ name: `patch ?${q}`, send: () => read(`/api/stories/${STORY}/patch?${q}`), status: 400, code: "invalid_version" }),
  ),
  { name: "patch to a version after the latest", send: () => read(`/api/stories/${STORY}/patch?from=1&to=999999`), status: 404, code: "version_not_found" },
  { name: "history ?limit=-5", send: () => read(`/api/stories/${STORY}/history?limit=-5`), status: 400, code: "validation_failed" },
  { name: "history ?before=0", send: () => read(`/api/stories/${STORY}/history?before=0`), status: 400, code: "invalid_version" },
  ...['"99999999999999999"', '"0"', '"-1"', '"1", "2"', '"1.0"'].map(
    (tag): HttpCase => ({ name: `If-Match: ${tag}`, send: () => server.api(entries, { body: { body: "x" }, headers: { "if-match": tag } }), status: 400, code: "bad_request" }),
  ),

  // Idempotency-Key smuggling (fetch itself refuses CR and LF in a header).
  { name: "Idempotency-Key with a tab", send: () => server.api(entries, { body: { body: "x" }, headers: { "idempotency-key": "a\tb" } }), status: 400, code: "bad_request" },
  { name: "Idempotency-Key with a Latin-1 byte", send: () => server.api(entries, { body: { body: "x" }, headers: { "idempotency-key": "caf\u00e9" } }), status: 400, code: "bad_request" },

  // The operator's metrics, asked for through a proxy or with someone else's token.
  { name: "/metrics relayed by a proxy on this host", send: () => read("/metrics", { "x-forwarded-for": "127.0.0.1" }), status: 403, code: "forbidden" },
  { name: "/metrics with the admin token, relayed", send: () => read("/metrics", { forwarded: "for=127.0.0.1", authorization: `Bearer ${TOKEN}` }), status: 403, code: "forbidden" },

  // Forged credentials.
  { name: "a forged session cookie on a write", send: () => withCookie(randomBytes(32).toString("base64url")), status: 401, code: "session_expired" },
  { name: "a mangled session cookie on a write", send: () => withCookie("%E0%A4%A"), status: 401, code: "session_expired" },
  { name: "a session cookie of 4 KB", send: () => withCookie("A".repeat(4096)), status: 401, code: "session_expired" },
  { name: "a bearer token of 8 KB", send: () => withBearer("t".repeat(8192)), status: 401, code: "unauthorized" },
  { name: "a forged API token", send: () => withBearer(`lt_${randomBytes(32).toString("base64url")}`), status: 401, code: "unauthorized" },
  { name: "the admin token with one character changed", send: () => withBearer(TOKEN.slice(0, -1) + "X"), status: 401, code: "unauthorized" },
  { name: "the admin token as a prefix of a longer one", send: () => withBearer(`${TOKEN}0`), status: 401, code: "unauthorized" },
  { name: "a bearer token with non-ASCII", send: () => withBearer("t\u00e9st-token-0123456789"), status: 401, code: "unauthorized" },
  // A leaked token tries to outlive its revocation or to raise itself (issue 12).
  { name: "a write token minting its successor", send: () => raw(server.url, "/api/tokens", { body: '{"name":"successor"}', headers: { ...JSON_TYPE, authorization: `Bearer ${leaked.write}` } }), status: 403, code: "session_required" },
  { name: "a manage token minting a write token", send: () => raw(server.url, "/api/tokens", { body: '{"name":"x","scopes":["write"]}', headers: { ...JSON_TYPE, authorization: `Bearer ${leaked.manage}` } }), status: 403, code: "session_required" },
  { name: "an admin's manage token minting an admin", send: () => raw(server.url, "/api/users", { body: '{"username":"minted","role":"admin"}', headers: { ...JSON_TYPE, authorization: `Bearer ${leaked.manage}` } }), status: 403, code: "session_required" },
  { name: "a manage token writing an entry", send: () => withBearer(leaked.manage), status: 403, code: "insufficient_scope" },
  { name: "a token renaming its owner's byline", send: () => raw(server.url, "/api/session", { method: "PATCH", body: '{"displayName":"Someone else"}', headers: { ...JSON_TYPE, authorization: `Bearer ${leaked.write}` } }), status: 401, code: "unauthorized" },
  { name: "a byline with a line break", send: () => asAdminSession("PATCH", "/api/session", '{"displayName":"Line\\nbreak"}'), status: 400, code: "validation_failed", field: "displayName" },
  { name: "a byline of bidi controls only", send: () => asAdminSession("PATCH", "/api/session", '{"displayName":"\\u202e\\u202c"}'), status: 400, code: "validation_failed", field: "displayName" },
  { name: "a token scope that does not exist", send: () => asAdminSession("POST", "/api/tokens", '{"name":"x","scopes":["admin"]}'), status: 400, code: "validation_failed", field: "scopes.0" },
  { name: "Bearer and two spaces", send: () => raw(server.url, entries, { body: '{"body":"x"}', headers: { ...JSON_TYPE, authorization: `Bearer  ${TOKEN}` } }), status: 401, code: "unauthorized" },
];

describe("HTTP hostile input", () => {
  it.each(httpCases)("$name → $status $code", async ({ send, status, code, field }) => {
    await expectUnchanged(server, async () => {
      const error = await expectError(await send(), status, code);
      if (field) expect((error.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(field);
    });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("an expired session is refused on a write and ignored on a read, its cookie cleared", async () => {
    const { user } = await createAccount(server.app.store.accounts, `late-${randomBytes(3).toString("hex")}`, "editor");
    const cookie = randomBytes(32).toString("base64url");
    const threeHoursAgo = Date.now() - 3 * 60 * 60 * 1000; // past the 2 h idle timeout
    await server.app.store.accounts.createSession({ idHash: secretHash(cookie), userId: user.id, createdAt: threeHoursAgo, lastSeenAt: threeHoursAgo });
    await expectUnchanged(server, async () => {
      await expectError(await withCookie(cookie), 401, "session_expired");
      const reading = await read(`/api/stories/${STORY}`, { cookie: `lt_session=${cookie}` });
      expect(reading.status).toBe(200);
      expect(reading.headers.get("set-cookie")).toMatch(/^lt_session=;/);
    });
  });

  it("another site's script gets no CORS grant for private answers, and no cache keeps them", async () => {
    const evil = { origin: "https://evil.example" };
    const asked = [
      server.api("/api/users", { headers: evil }),
      server.api("/api/tokens", { headers: evil }),
      server.api("/api/session", { headers: evil }),
      server.api(`/api/stories/${STORY}/drafts`, { headers: evil }),
      fetch(`${server.url}/api/users`, { method: "OPTIONS", headers: { ...evil, "access-control-request-method": "GET", "access-control-request-headers": "authorization" } }),
    ];
    for (const res of await Promise.all(asked)) {
      expect([res.url, res.headers.get("access-control-allow-origin"), res.headers.get("cache-control")]).toEqual([res.url, null, "no-store"]);
    }
  });

  it("prototype keys in the query string change nothing and pollute nothing", async () => {
    await expectUnchanged(server, async () => {
      const plain = await getJson(server, `/api/stories/${STORY}/history`);
      expect(await getJson(server, `/api/stories/${STORY}/history?__proto__[limit]=1&constructor[prototype][polluted]=1`)).toEqual(plain);
    });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { limit?: unknown }).limit).toBeUndefined();
  });
});
