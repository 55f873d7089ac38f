/**
 * What every hostile-input test (hostile-*.test.ts) asserts: the exact
 * status and error code in DESIGN.md §3's shape (or the error ack of §4), a message that leaks
 * nothing internal, and a store a reader sees unchanged.
 */
import { expect } from "vitest";
import type { ErrorBody } from "../../shared/api.js";
import type { TestServer } from "./harness.js";

export type Json = Record<string, unknown>;

export async function getJson(server: TestServer, path: string): Promise<Json> {
  const res = await server.api(path, { auth: false });
  expect(res.status, `GET ${path}`).toBe(200);
  return (await res.json()) as Json;
}

export interface StoreState {
  list: Json;
  stories: Record<string, { snapshot: Json & { version: number }; history: Json }>;
}

/** Everything a reader can see: the story list, and every story's latest snapshot and history. */
export async function storeState(server: TestServer): Promise<StoreState> {
  const list = await getJson(server, "/api/stories");
  const stories: StoreState["stories"] = {};
  for (const { id } of list.stories as { id: string }[]) {
    stories[id] = {
      snapshot: (await getJson(server, `/api/stories/${id}`)) as Json & { version: number },
      history: await getJson(server, `/api/stories/${id}/history`),
    };
  }
  return { list, stories };
}

/** Runs `action` and asserts that the store a reader sees is deep-equal before and after. */
export async function expectUnchanged<T>(server: TestServer, action: () => Promise<T>): Promise<T> {
  const before = await storeState(server);
  const result = await action();
  expect(await storeState(server)).toEqual(before);
  return result;
}

/** A human sentence: one line, ends with punctuation, no stack frames, paths or internals. */
export function expectCleanMessage(message: unknown): void {
  expect(typeof message).toBe("string");
  const text = message as string;
  expect(text.length).toBeGreaterThan(0);
  expect(text.length).toBeLessThan(300);
  expect(text).toMatch(/^\S[^\n]*[.!?]$/);
  expect(text).not.toMatch(/\bat \S+ \(|:\d+:\d+|node_modules|\/work\/|\.ts\b|\.js\b|Error:|SQLITE|\bundefined\b|\[object /i);
}

/** Asserts the exact status and error code, the error shape, and that nothing internal leaks. */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorBody> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json\b/);
  expect(text).not.toMatch(/"stack"|\n\s+at /);
  const body = JSON.parse(text) as { error: ErrorBody };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(["code", "message", "details"]).toEqual(expect.arrayContaining(Object.keys(body.error)));
  expectCleanMessage(body.error.message);
  if (status === 401) expect(res.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
  return body.error;
}

/** Asserts a socket error ack: `{ok:false, error:{code,message,details?}}` and nothing else. */
export function expectErrorAck(ack: unknown, code: string): void {
  expect(ack).toMatchObject({ ok: false, error: { code } });
  const { error } = ack as { ok: false; error: ErrorBody };
  expect(Object.keys(ack as object).sort()).toEqual(["error", "ok"]);
  expect(["code", "message", "details"]).toEqual(expect.arrayContaining(Object.keys(error)));
  expectCleanMessage(error.message);
  expect(JSON.stringify(ack)).not.toMatch(/"stack"|\n\s+at /);
}
