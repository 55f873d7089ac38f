/**
 * http/idempotency.ts on its own, in a small Express app on a real SQLite store: the request
 * fingerprint, the key's validation, and the four outcomes of a claim (claimed, replay,
 * in flight, reused), plus a failed write's key freed for a corrected retry.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../store/sqlite-store.js";
import type { ErrorCode } from "../../shared/error-codes.js";
import { ApiError, errorHandler } from "./errors.js";
import { fingerprintOf, idempotency, idempotencyRoutes } from "./idempotency.js";
import { ticketOf } from "./idempotency-ticket.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("base64url");

describe("fingerprintOf", () => {
  it("hashes method, path and body as canonical JSON, object keys sorted at every depth", () => {
    expect(fingerprintOf("POST", "/api/stories/s/entries", { b: { d: [2, { z: 1, y: 0 }], c: "x" }, a: 1 })).toBe(
      sha256('["POST","/api/stories/s/entries",{"a":1,"b":{"c":"x","d":[2,{"y":0,"z":1}]}}]'),
    );
    expect(fingerprintOf("DELETE", "/api/stories/s", undefined)).toBe(sha256('["DELETE","/api/stories/s",null]'));
  });

  it("tells apart what makes another request, and only that", () => {
    const base = fingerprintOf("POST", "/p", { a: 1, b: 2 });
    expect(fingerprintOf("POST", "/p", { b: 2, a: 1 })).toBe(base);
    expect(fingerprintOf("PUT", "/p", { a: 1, b: 2 })).not.toBe(base);
    expect(fingerprintOf("POST", "/q", { a: 1, b: 2 })).not.toBe(base);
    expect(fingerprintOf("POST", "/p", { a: 1, b: "2" })).not.toBe(base);
    expect(fingerprintOf("POST", "/p", [1, 2])).not.toBe(fingerprintOf("POST", "/p", [2, 1]));
    expect(fingerprintOf("POST", "/p", { a: null })).not.toBe(fingerprintOf("POST", "/p", {}));
  });
});

describe("the Idempotency-Key middleware", () => {
  let dir: string;
  let store: SqliteStore;
  let url: string;
  let close: () => Promise<void>;
  let writes = 0;
  /** Holds the next write until released, to catch a retry while the first is running. */
  let gate: Promise<void> | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "live-ticker-idempotency-"));
    store = new SqliteStore(join(dir, "live-ticker.db"));
    const app = express();
    app.use(express.json());
    app.use((req, res, next) => {
      req.log = pino({ level: "silent" });
      if (req.get("x-who") !== "nobody") res.locals.principal = { id: req.get("x-who") ?? "anna" };
      next();
    });
    app.post("/things", idempotency(store), async (req, res) => {
      await gate;
      const response = { status: 201, body: { id: `thing-${++writes}`, version: writes, echo: req.body }, location: `/things/${writes}` };
      const ticket = ticketOf(res);
      if (ticket) await store.completeIdempotencyKey(ticket.scope, ticket.key, response);
      res.status(201).location(response.location).json(response.body);
    });
    app.post("/refused", idempotency(store), (req) => {
      if ((req.body as { ok?: boolean }).ok) throw new ApiError(418, "fixed" as ErrorCode, "Now it was taken.");
      throw new ApiError(400, "validation_failed", "Not like that.");
    });
    app.use(idempotencyRoutes(store));
    app.use(errorHandler(store));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => {
    await close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const reply = await fetch(url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    return { status: reply.status, headers: reply.headers, body: (await reply.json()) as Record<string, unknown> };
  };

  it("lets a request without a key through every time", async () => {
    const before = writes;
    expect((await post("/things", { n: 1 })).body).toMatchObject({ id: `thing-${before + 1}` });
    expect((await post("/things", { n: 1 })).body).toMatchObject({ id: `thing-${before + 2}` });
  });

  it.each([
    ["empty", ""],
    ["256 characters", "k".repeat(256)],
    ["a tab", "a\tb"],
    ["not ASCII", "na\u00EFve"],
  ])("refuses a key that is %s: 400 bad_request, and does not write", async (_what, key) => {
    const before = writes;
    const reply = await post("/things", { n: 2 }, { "idempotency-key": key });
    expect([reply.status, reply.body]).toEqual([400, { error: { code: "bad_request", message: "Idempotency-Key must be 1 to 255 printable ASCII characters." } }]);
    expect(writes).toBe(before);
  });

  it("takes a key of 255 printable characters", async () => {
    expect((await post("/things", { n: 3 }, { "idempotency-key": "~".repeat(255) })).status).toBe(201);
  });

  it("replays the first answer to a retry (status, body, Location, ETag), without writing again", async () => {
    const first = await post("/things", { title: "T", tags: ["a"] }, { "idempotency-key": "replay-1" });
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const after = writes;
    // The same body re-serialised with its keys in another order is the same request.
    const retry = await post("/things", { tags: ["a"], title: "T" }, { "idempotency-key": "replay-1" });
    expect(writes).toBe(after);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("location")).toBe(first.headers.get("location"));
    expect(retry.headers.get("etag")).toBe(`"${first.body.version as number}"`);
  });

  it("refuses the same key with another body: 422 idempotency_key_reused", async () => {
    await post("/things", { n: 4 }, { "idempotency-key": "reused-1" });
    const after = writes;
    const reply = await post("/things", { n: 5 }, { "idempotency-key": "reused-1" });
    expect([reply.status, reply.body]).toEqual([422, { error: { code: "idempotency_key_reused", message: "This Idempotency-Key was used for a different request." } }]);
    expect(writes).toBe(after);
  });

  it("keeps keys of different clients apart", async () => {
    await post("/things", { n: 6 }, { "idempotency-key": "shared-name", "x-who": "anna" });
    const after = writes;
    const other = await post("/things", { n: 7 }, { "idempotency-key": "shared-name", "x-who": "boris" });
    expect([other.status, other.headers.get("idempotent-replayed")]).toEqual([201, null]);
    expect(writes).toBe(after + 1);
  });

  it("answers a retry while the first is still running 409 idempotency_key_in_use", async () => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const first = post("/things", { n: 8 }, { "idempotency-key": "in-flight-1" });
    // The claim is made before the handler waits at the gate; poll until the store holds it.
    let retry = await post("/things", { n: 8 }, { "idempotency-key": "in-flight-1" });
    for (let tries = 0; retry.status !== 409 && tries < 50; tries++) retry = await post("/things", { n: 8 }, { "idempotency-key": "in-flight-1" });
    expect([retry.status, retry.body]).toEqual([
      409,
      { error: { code: "idempotency_key_in_use", message: "A request with this Idempotency-Key is still being processed; retry shortly." } },
    ]);
    open();
    gate = undefined;
    const done = await first;
    expect(done.status).toBe(201);
    expect((await post("/things", { n: 8 }, { "idempotency-key": "in-flight-1" })).body).toEqual(done.body);
  });

  it("frees the key of a refused write, so that a corrected retry may use it", async () => {
    const refused = await post("/refused", { ok: false }, { "idempotency-key": "freed-1" });
    expect([refused.status, (refused.body.error as { code: string }).code]).toEqual([400, "validation_failed"]);
    // Another body under the same key is not "reused": the refused claim is gone.
    const corrected = await post("/refused", { ok: true }, { "idempotency-key": "freed-1" });
    expect([corrected.status, (corrected.body.error as { code: string }).code]).toEqual([418, "fixed"]);
  });

  const outcomeOf = async (key: string, who = "anna") => {
    const reply = await fetch(`${url}/idempotency/${encodeURIComponent(key)}`, { headers: { "x-who": who } });
    return { status: reply.status, body: (await reply.json()) as Record<string, unknown> };
  };

  it("tells the key's owner what became of the write: completed with its answer, in flight, or unknown", async () => {
    const done = await post("/things", { n: 9 }, { "idempotency-key": "ask-1" });
    const asked = await outcomeOf("ask-1");
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ state: "completed", status: 201, body: done.body });
    expect(Math.abs(Date.parse(asked.body.completedAt as string) - Date.now())).toBeLessThan(10_000);

    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const first = post("/things", { n: 10 }, { "idempotency-key": "ask-2" });
    let running = await outcomeOf("ask-2");
    for (let tries = 0; running.status !== 200 && tries < 50; tries++) running = await outcomeOf("ask-2");
    expect(running).toEqual({ status: 200, body: { state: "in_flight" } });
    open();
    gate = undefined;
    await first;

    // A refused write changed nothing and freed its key: it is as if it never arrived.
    await post("/refused", { ok: false }, { "idempotency-key": "ask-3" });
    for (const key of ["ask-3", "never-sent"]) expect((await outcomeOf(key)).body).toMatchObject({ error: { code: "not_found" } });
  });

  it("shows a key to its owner only: another principal gets 404, no principal 401, a bad key 400", async () => {
    await post("/things", { n: 11 }, { "idempotency-key": "mine-1", "x-who": "anna" });
    expect((await outcomeOf("mine-1", "boris")).status).toBe(404);
    expect(await outcomeOf("mine-1", "nobody")).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
    expect(await outcomeOf("na\u00EFve")).toMatchObject({ status: 400, body: { error: { code: "bad_request" } } });
  });
});
