import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiFailure, EditorApi, describeError, parseRetryAfter, waitText } from "./api.js";

interface Call {
  url: string;
  init: RequestInit;
}

const realFetch = globalThis.fetch;
let calls: Call[];
let answer: () => Response | Promise<Response>;

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
const headersOf = (call: Call) => new Headers(call.init.headers);

beforeEach(() => {
  calls = [];
  answer = () => json(200, {});
  globalThis.fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return answer();
  }) as typeof fetch;
});
afterEach(() => {
  globalThis.fetch = realFetch;
});

describe("EditorApi requests", () => {
  it("sends JSON with If-Match as a quoted version and the Idempotency-Key", async () => {
    answer = () => json(201, { entry: { id: "e_abcd1234" }, version: 8 });
    const api = new EditorApi();
    const result = await api.addEntry("kyiv-strikes", { body: "Sirens", kind: "breaking" }, 7, "key-1");
    expect(result.version).toBe(8);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call!.url).toBe("/api/stories/kyiv-strikes/entries");
    expect(call!.init.method).toBe("POST");
    expect(call!.init.credentials).toBe("same-origin");
    expect(JSON.parse(String(call!.init.body))).toEqual({ body: "Sirens", kind: "breaking" });
    const headers = headersOf(call!);
    expect(headers.get("If-Match")).toBe('"7"');
    expect(headers.get("Idempotency-Key")).toBe("key-1");
    expect(headers.get("Content-Type")).toBe("application/json");
    expect(headers.get("Accept")).toBe("application/json");
  });

  it("sends neither header, nor a body or Content-Type, when not given", async () => {
    answer = () => json(200, { stories: [] });
    await new EditorApi().listStories();
    const headers = headersOf(calls[0]!);
    expect(headers.has("If-Match")).toBe(false);
    expect(headers.has("Idempotency-Key")).toBe(false);
    expect(headers.has("Content-Type")).toBe(false);
    expect(calls[0]!.init.body).toBeUndefined();
    expect(calls[0]!.init.method).toBe("GET");
  });

  it("builds every path with encoded ids and the base prefix", async () => {
    answer = () => new Response(null, { status: 204 });
    const api = new EditorApi({ base: "http://desk.test" });
    await api.deleteEntry("a-story", "e_x/y", 3, "k");
    await api.discardDraft("a-story", "d_1", 2);
    await api.revokeToken("t 1");
    expect(calls.map((c) => [c.init.method, c.url])).toEqual([
      ["DELETE", "http://desk.test/api/stories/a-story/entries/e_x%2Fy"],
      ["DELETE", "http://desk.test/api/stories/a-story/drafts/d_1"],
      ["DELETE", "http://desk.test/api/tokens/t%201"],
    ]);
    expect(headersOf(calls[0]!).get("If-Match")).toBe('"3"');
    expect(headersOf(calls[1]!).get("If-Match")).toBe('"2"');
  });

  it("edits a draft with its revision as If-Match", async () => {
    answer = () => json(200, { draft: { id: "d_1", revision: 4 } });
    expect(await new EditorApi().editDraft("s", "d_1", { body: "New" }, 3)).toEqual({ id: "d_1", revision: 4 });
    expect(calls[0]!.init.method).toBe("PATCH");
    expect(headersOf(calls[0]!).get("If-Match")).toBe('"3"');
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ body: "New" });
  });

  it("publishes a draft with If-Match and Idempotency-Key and no body", async () => {
    answer = () => json(201, { entry: {}, version: 5 });
    await new EditorApi().publishDraft("s", "d_abc", 4, "pub-key");
    const headers = headersOf(calls[0]!);
    expect(calls[0]!.url).toBe("/api/stories/s/drafts/d_abc/publish");
    expect(headers.get("If-Match")).toBe('"4"');
    expect(headers.get("Idempotency-Key")).toBe("pub-key");
    expect(calls[0]!.init.body).toBeUndefined();
  });

  it("unwraps the documented envelopes", async () => {
    const api = new EditorApi();
    answer = () => json(200, { user: { id: "u1", username: "ada", role: "editor", mustChangePassword: false } });
    expect((await api.login("ada", "pw")).username).toBe("ada");
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ username: "ada", password: "pw" });
    answer = () => json(200, { drafts: [{ id: "d_1" }] });
    expect(await api.listDrafts("s")).toEqual([{ id: "d_1" }]);
    answer = () => json(200, { password: "one-time-pass" });
    expect(await api.resetPassword("u1")).toBe("one-time-pass");
    answer = () => new Response(null, { status: 204 });
    await expect(api.changePassword("old", "a-new-password")).resolves.toBeUndefined();
    expect(JSON.parse(String(calls.at(-1)!.init.body))).toEqual({ currentPassword: "old", newPassword: "a-new-password" });
  });
});

describe("EditorApi errors", () => {
  it("maps an error body to ApiFailure with status, code, message and details", async () => {
    answer = () => json(412, { error: { code: "precondition_failed", message: "The story is at version 9.", details: { currentVersion: 9 } } });
    const failure = await new EditorApi().updateStory("s", { title: "T" }, 7).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiFailure);
    expect(failure).toMatchObject({ status: 412, code: "precondition_failed", message: "The story is at version 9.", details: { currentVersion: 9 } });
    expect((failure as ApiFailure).currentVersion).toBe(9);
  });

  it("reads Retry-After of a 429", async () => {
    answer = () => json(429, { error: { code: "rate_limited", message: "Too many" } }, { "Retry-After": "42" });
    const failure = (await new EditorApi().login("a", "b").catch((e: unknown) => e)) as ApiFailure;
    expect(failure.code).toBe("rate_limited");
    expect(failure.retryAfter).toBe(42);
    expect(describeError(failure)).toBe("Too many attempts. Try again in 42 seconds.");
    expect(describeError(failure, "uk")).toBe("Забагато спроб. Спробуйте знову через 42 секунди.");
  });

  it("keeps validation issues for display", async () => {
    answer = () => json(400, { error: { code: "validation_failed", message: "Invalid entry", details: { issues: [{ path: "body", message: "must not be empty" }] } } });
    const failure = (await new EditorApi().addEntry("s", { body: " " }, 1).catch((e: unknown) => e)) as ApiFailure;
    expect(failure.issues).toEqual([{ path: "body", message: "must not be empty" }]);
    expect(describeError(failure)).toBe("Invalid entry (body: must not be empty)");
    // The server's own words stay as it wrote them, whatever the desk's language.
    expect(describeError(failure, "uk")).toBe("Invalid entry (body: must not be empty)");
  });

  it("turns a body that is not the error format into an http_<status> failure", async () => {
    answer = () => new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" });
    const failure = (await new EditorApi().listStories().catch((e: unknown) => e)) as ApiFailure;
    expect(failure).toBeInstanceOf(ApiFailure);
    expect(failure.status).toBe(502);
    expect(failure.code).toBe("http_502");
  });

  it("counts a proxy's 502 and 504 as an answer lost, not a refusal: the write may have gone through", async () => {
    for (const [status, unknown] of [[502, true], [504, true], [503, false], [500, false]] as const) {
      answer = () => new Response("<html>from the proxy</html>", { status });
      const failure = (await new EditorApi().addEntry("s", { body: "Text" }, 1).catch((e: unknown) => e)) as ApiFailure;
      expect([status, failure.outcomeUnknown]).toEqual([status, unknown]);
    }
  });

  it("turns a network failure into status 0 network_error", async () => {
    answer = () => Promise.reject(new TypeError("Failed to fetch"));
    const failure = (await new EditorApi().listStories().catch((e: unknown) => e)) as ApiFailure;
    expect(failure).toMatchObject({ status: 0, code: "network_error" });
  });

  it("tells onFailure about every failure before throwing", async () => {
    const seen: string[] = [];
    answer = () => json(401, { error: { code: "unauthorized", message: "Not signed in." } });
    const api = new EditorApi({ onFailure: (f) => seen.push(f.code) });
    await expect(api.session()).rejects.toBeInstanceOf(ApiFailure);
    expect(seen).toEqual(["unauthorized"]);
  });

  it("gives up on a request with no answer after the timeout, as an outcome-unknown failure", async () => {
    // A stalled server: fetch never settles until its signal aborts it.
    globalThis.fetch = vi.fn(
      (_url: string | URL | Request, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))),
    ) as typeof fetch;
    const heard: string[] = [];
    const api = new EditorApi({ timeoutMs: 50, onFailure: (f) => heard.push(f.code), onAnswer: () => heard.push("answer") });
    const failure = (await api.addEntry("s", { body: "x" }, 1, "key-1").catch((e: unknown) => e)) as ApiFailure;
    expect(failure).toMatchObject({ status: 0, code: "timeout", outcomeUnknown: true });
    expect(heard).toEqual(["timeout"]);
  });

  it("tells onAnswer about any answer, an error answer too", async () => {
    let answers = 0;
    answer = () => json(412, { error: { code: "precondition_failed", message: "Stale." } });
    await expect(new EditorApi({ onAnswer: () => answers++ }).listStories()).rejects.toMatchObject({ status: 412 });
    expect(answers).toBe(1);
  });

  it("lets an abort through as it is", async () => {
    answer = () => Promise.reject(new DOMException("aborted", "AbortError"));
    await expect(new EditorApi().request("GET", "/x", { signal: new AbortController().signal })).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("helpers", () => {
  it("parses Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("30")).toBe(30);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    const now = Date.parse("2026-05-24T01:00:00Z");
    expect(parseRetryAfter("Sun, 24 May 2026 01:01:30 GMT", now)).toBe(90);
  });

  it("writes waits for people", () => {
    expect(waitText(1)).toBe("1 second");
    expect(waitText(59)).toBe("59 seconds");
    expect(waitText(120)).toBe("2 min");
    expect(waitText(125)).toBe("2 min 5 s");
    // In the desk's language, with its plural forms.
    expect([1, 3, 5, 21].map((seconds) => waitText(seconds, "uk"))).toEqual(["1 секунду", "3 секунди", "5 секунд", "21 секунду"]);
    expect(waitText(125, "uk")).toBe("2 хв 5 с");
  });
});
