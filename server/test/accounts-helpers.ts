import { expect } from "vitest";
import { createAccount } from "../auth/accounts-service.js";
import type { Role } from "../store/accounts.js";
import { startServer, type TestServer } from "./harness.js";

/**
 * Signing in over HTTP for the account tests (sessions, roles, tokens, drafts…): a browser-like client with cookies by
 * hand and `Sec-Fetch-Site: same-origin` unless told otherwise; every JSON body it sees is checked
 * for password and secret hashes.
 */

/** Response bodies must never carry a password hash or a stored secret hash. */
const FORBIDDEN_IN_BODIES = ["$argon2", "secret_hash", "secretHash", "passwordHash", "password_hash"];
let scanned = 0;

/** How many JSON bodies `send` has checked for hashes in this test file. */
export const bodiesScanned = () => scanned;

export interface Reply {
  status: number;
  headers: Headers;
  /** Parsed JSON, loosely typed: the assertions say what it must be. */
  body: any;
  setCookies: string[];
}

export interface Send {
  method?: string;
  body?: unknown;
  /** `name=value` for the Cookie header. */
  cookie?: string;
  bearer?: string;
  /** Sec-Fetch-Site; null sends none (a non-browser client, or an old browser). */
  site?: string | null;
  headers?: Record<string, string>;
}

export async function send(base: string, path: string, init: Send = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const site = init.site === undefined ? "same-origin" : init.site;
  if (site !== null) headers["sec-fetch-site"] = site;
  if (init.cookie) headers.cookie = init.cookie;
  if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  Object.assign(headers, init.headers);
  const res = await fetch(base + path, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  let body: unknown;
  if ((res.headers.get("content-type") ?? "").includes("json")) {
    body = JSON.parse(text);
    scanned++;
    for (const forbidden of FORBIDDEN_IN_BODIES) expect(text, `${init.method ?? "GET"} ${path} answered ${text}`).not.toContain(forbidden);
  }
  return { status: res.status, headers: res.headers, body, setCookies: res.headers.getSetCookie() };
}

/** The error code of an error reply, after checking it has the error format. */
export function codeOf(reply: Reply): string | undefined {
  expect(reply.body, `status ${reply.status}`).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
  return reply.body.error.code;
}

export function expectError(reply: Reply, status: number, code: string): void {
  expect([reply.status, reply.body?.error?.code], JSON.stringify(reply.body)).toEqual([status, code]);
  codeOf(reply);
}

/** `name=value` of the session cookie a response sets. */
export function sessionCookieOf(reply: Reply, name = "lt_session"): string {
  const header = reply.setCookies.find((c) => c.startsWith(`${name}=`));
  expect(header, `no ${name} cookie in ${JSON.stringify(reply.setCookies)}`).toBeDefined();
  return header!.split(";")[0]!;
}

export interface Account {
  id: string;
  username: string;
  role: Role;
  password: string;
  /** `lt_session=…` of a session on the account's own password. */
  cookie: string;
}

export async function signIn(server: TestServer, username: string, password: string, init: Send = {}): Promise<Reply> {
  return send(server.url, "/api/session", { ...init, body: { username, password } });
}

/** An account that signed in with its one-time password and chose its own: a normal session. */
export async function activeAccount(server: TestServer, username: string, role: Role): Promise<Account> {
  const { user, password: oneTime } = await createAccount(server.app.store.accounts, username, role);
  const first = await signIn(server, username, oneTime);
  expect(first.status).toBe(200);
  const cookie = sessionCookieOf(first);
  const password = `${username}-own-password-42`;
  const changed = await send(server.url, "/api/session/password", { cookie, body: { currentPassword: oneTime, newPassword: password } });
  expect(changed.status, JSON.stringify(changed.body)).toBe(204);
  return { id: user.id, username, role, password, cookie };
}

/**
 * A fresh server with these accounts signed in (in the order given) and one story, created with
 * the admin token. The server is closed again if any of that fails.
 */
export async function serverWithAccounts<const T extends readonly (readonly [username: string, role: Role])[]>(
  story: { id: string; title: string },
  accounts: T,
  options: Parameters<typeof startServer>[0] = {},
): Promise<{ server: TestServer; accounts: { -readonly [K in keyof T]: Account } }> {
  const server = await startServer(options);
  try {
    const signedIn = await Promise.all(accounts.map(([username, role]) => activeAccount(server, username, role)));
    expect((await server.api("/api/stories", { body: story })).status).toBe(201);
    return { server, accounts: signedIn as { -readonly [K in keyof T]: Account } };
  } catch (error) {
    await server.close();
    throw error;
  }
}
