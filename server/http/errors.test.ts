/**
 * http/errors.ts on its own: which thrown value becomes which status, code and body, and what
 * the error handler sends over a real HTTP connection (headers included, never a stack).
 */
import type { AddressInfo } from "node:net";
import express from "express";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ReducerError } from "../../shared/reducer.js";
import { UserExists } from "../auth/accounts-service.js";
import { StorageUnavailable, TooManyStories, VersionConflict, type Store } from "../store/store.js";
import { rateLimited, type ErrorCode } from "../../shared/error-codes.js";
import { ApiError, errorHandler, notFound, parseOr400, sendError, toApiError } from "./errors.js";
import { postgresDiskFailure } from "../store/postgres-store.js";
import { sqliteDiskFailure } from "../store/sqlite-store.js";

const INTERNAL = { code: "internal_error", message: "Something went wrong on our side; the error has been logged." };

describe("toApiError", () => {
  it("passes an ApiError through as it is", () => {
    const error = new ApiError(418, "teapot" as ErrorCode, "Short and stout.", { spout: 1 });
    expect(toApiError(error)).toBe(error);
    expect(error.body).toEqual({ code: "teapot", message: "Short and stout.", details: { spout: 1 } });
    expect(new ApiError(404, "not_found", "No.").body).toEqual({ code: "not_found", message: "No." });
  });

  it.each([
    ["story_not_found", 404],
    ["entry_not_found", 404],
    ["story_exists", 409],
    ["entry_exists", 409],
    ["too_many_entries", 409],
  ] as const)("maps ReducerError %s to %i with its own code and message", (code, status) => {
    const mapped = toApiError(new ReducerError(code, `reducer says ${code}`));
    expect([mapped.status, mapped.body]).toEqual([status, { code, message: `reducer says ${code}` }]);
  });

  it("maps the store's and the accounts' errors", () => {
    const stories = toApiError(new TooManyStories(3));
    expect([stories.status, stories.body]).toEqual([409, { code: "too_many_stories", message: "This instance holds 3 stories, its limit." }]);
    const user = toApiError(new UserExists("olena"));
    expect([user.status, user.body]).toEqual([409, { code: "user_exists", message: 'There is already an account "olena".' }]);
    const conflict = toApiError(new VersionConflict(7));
    expect([conflict.status, conflict.body]).toEqual([
      412,
      { code: "precondition_failed", message: "The story has changed: it is now at version 7.", details: { currentVersion: 7 } },
    ]);
  });

  it.each([
    [{ type: "entity.too.large", status: 413 }, 413, "payload_too_large", "The request body is too large."],
    [{ type: "entity.parse.failed", status: 400 }, 400, "invalid_json", "The request body is not valid JSON."],
    [{ type: "encoding.unsupported", status: 415 }, 415, "unsupported_media_type", "Send the body as UTF-8 JSON."],
    [{ type: "charset.unsupported", status: 415 }, 415, "unsupported_media_type", "Send the body as UTF-8 JSON."],
    [{ type: "request.aborted", status: 400 }, 400, "bad_request", "The request could not be read."],
    [{ status: 431 }, 431, "bad_request", "The request could not be read."],
  ])("maps the body parser's %o to %i %s", (error, status, code, message) => {
    const mapped = toApiError(Object.assign(new Error("parser internals"), error));
    expect([mapped.status, mapped.body]).toEqual([status, { code, message }]);
  });

  it("maps the stores' StorageUnavailable to 503 storage_unavailable, and a raw driver error to 500", () => {
    for (const code of ["SQLITE_FULL", "53100"]) {
      const mapped = toApiError(new StorageUnavailable(code, new Error("disk")));
      expect([mapped.status, mapped.body.code], code).toEqual([503, "storage_unavailable"]);
    }
    // Driver codes are the stores' business (sqliteDiskFailure, postgresDiskFailure): one unwrapped is a bug.
    expect(toApiError(Object.assign(new Error("disk"), { code: "SQLITE_FULL" })).status).toBe(500);
  });

  it("leaves each store to recognise its own disk failures", () => {
    for (const code of ["SQLITE_FULL", "SQLITE_READONLY", "SQLITE_READONLY_DBMOVED", "SQLITE_IOERR_WRITE", "SQLITE_CANTOPEN"]) {
      expect(sqliteDiskFailure(Object.assign(new Error("disk"), { code })), code).toBe(code);
    }
    for (const code of ["53100", "25006", "58030"]) expect(postgresDiskFailure(Object.assign(new Error("disk"), { code })), code).toBe(code);
    for (const code of ["SQLITE_BUSY", "SQLITE_CONSTRAINT", "SQLITE_FULLX", "23505", 53100, undefined]) {
      expect(sqliteDiskFailure({ code }), String(code)).toBeUndefined();
      expect(postgresDiskFailure({ code }), String(code)).toBeUndefined();
    }
  });

  it("turns anything unknown into 500 internal_error without a word of its own", () => {
    for (const thrown of [new Error("secret path /etc/x"), new TypeError("x is undefined"), "a string", 42, null, undefined, { status: 302 }, { status: 503 }]) {
      const mapped = toApiError(thrown);
      expect([mapped.status, mapped.body], String(thrown)).toEqual([500, INTERNAL]);
    }
  });
});

describe("parseOr400", () => {
  it("returns the parsed value, or throws 400 validation_failed listing every issue", () => {
    const schema = z.object({ title: z.string().min(1), n: z.number() });
    expect(parseOr400(schema, { title: "Hi", n: 1 }, "story")).toEqual({ title: "Hi", n: 1 });
    let thrown: unknown;
    try {
      parseOr400(schema, { title: "", n: "one" }, "story");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    const error = thrown as ApiError;
    expect([error.status, error.code, error.message]).toEqual([400, "validation_failed", "Invalid story."]);
    const issues = (error.details as { issues: { path: unknown }[] }).issues;
    expect(issues.map((issue) => issue.path)).toEqual(["title", "n"]);
  });
});

describe("the error handler over HTTP", () => {
  let url: string;
  let close: () => Promise<void>;
  const released: string[] = [];
  const answered: string[] = [];
  // The handler releases a claimed Idempotency-Key; this stands in for the store's one method it calls.
  const store = { releaseIdempotencyKey: async (scope: string, key: string) => void released.push(`${scope}/${key}`) } as unknown as Store;

  beforeAll(async () => {
    const app = express();
    app.use((req, _res, next) => ((req.log = pino({ level: "silent" })), next()));
    app.get("/api-error", () => {
      throw new ApiError(403, "forbidden", "Not yours.");
    });
    app.get("/unauthorized", () => {
      throw new ApiError(401, "unauthorized", "Sign in.");
    });
    app.get("/rate-limited", () => {
      throw rateLimited(2_001, "Slow down.");
    });
    app.get("/disk-full", () => {
      throw new StorageUnavailable("SQLITE_FULL", new Error("database or disk is full"));
    });
    app.get("/claimed", (_req, res) => {
      res.locals.idempotency = { scope: "user-1", key: "k-1" };
      throw new VersionConflict(4);
    });
    app.get("/crash", () => {
      throw new Error("boom at /srv/live-ticker/secret.ts:12");
    });
    app.use(notFound);
    app.use(errorHandler(store, (code) => answered.push(code)));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(() => close());

  const get = async (path: string) => {
    const reply = await fetch(url + path);
    return { status: reply.status, headers: reply.headers, text: await reply.text() };
  };

  it("sends {error:{code,message}} with the error's status", async () => {
    const reply = await get("/api-error");
    expect(reply.status).toBe(403);
    expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
    expect(JSON.parse(reply.text)).toEqual({ error: { code: "forbidden", message: "Not yours." } });
    expect(reply.headers.get("www-authenticate")).toBeNull();
  });

  it("adds WWW-Authenticate to a 401, Retry-After to a 429 and a 503", async () => {
    const unauthorized = await get("/unauthorized");
    expect([unauthorized.status, unauthorized.headers.get("www-authenticate")]).toEqual([401, 'Bearer realm="live-ticker"']);
    const limited = await get("/rate-limited");
    expect([limited.status, limited.headers.get("retry-after"), JSON.parse(limited.text)]).toEqual([
      429,
      "3",
      { error: { code: "rate_limited", message: "Slow down.", details: { retryAfter: 3 } } },
    ]);
    const full = await get("/disk-full");
    expect([full.status, full.headers.get("retry-after"), JSON.parse(full.text).error.code]).toEqual([503, "30", "storage_unavailable"]);
  });

  it("answers an unknown path 404 not_found", async () => {
    const reply = await get("/nowhere");
    expect([reply.status, JSON.parse(reply.text)]).toEqual([404, { error: { code: "not_found", message: "No such resource." } }]);
  });

  it("answers a crash 500 internal_error with no message, path or stack of its own", async () => {
    const reply = await get("/crash");
    expect([reply.status, JSON.parse(reply.text)]).toEqual([500, { error: INTERNAL }]);
    expect(reply.text).not.toContain("boom");
    expect(reply.text).not.toContain("secret.ts");
    expect(reply.text).not.toContain("at ");
  });

  it("releases the Idempotency-Key a failed write had claimed, and tells every code it sent", async () => {
    released.length = 0;
    answered.length = 0;
    const reply = await get("/claimed");
    expect(reply.status).toBe(412);
    expect(released).toEqual(["user-1/k-1"]);
    await get("/api-error");
    expect(released).toEqual(["user-1/k-1"]); // no claim, nothing released
    expect(answered).toEqual(["precondition_failed", "forbidden"]);
  });

  it("never answers rateLimited with Retry-After below 1", () => {
    const headers: Record<string, string> = {};
    let body: unknown;
    const res = { setHeader: (name: string, value: string) => void (headers[name] = value), status: () => res, json: (sent: unknown) => void (body = sent) } as unknown as express.Response;
    sendError(res, toApiError(rateLimited(0, "now")));
    expect(body).toEqual({ error: { code: "rate_limited", message: "now", details: { retryAfter: 1 } } });
    expect(headers).toEqual({ "Retry-After": "1" });
  });
});
