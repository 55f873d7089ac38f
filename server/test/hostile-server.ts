import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { Entry } from "../../shared/story.js";
import { createAccount } from "../auth/accounts-service.js";
import { secretHash } from "../auth/secrets.js";
import { startServer, TOKEN, type TestServer } from "./harness.js";

/**
 * The server the hostile-input suites (HTTP attacks, rendering, sockets, drafts) each start: one
 * story with an entry, pages on to see stored text rendered, and an admin account whose API tokens
 * and fresh session are "leaked" to the attacker. Plus the raw request helpers they share.
 */

export const STORY = "hostile-story";
export const JSON_TYPE = { "content-type": "application/json" };
export const entries = `/api/stories/${STORY}/entries`;

/** An admin account's API tokens (one per scope) and a fresh session of it: what a leaked credential can try. */
export interface Leaked {
  write: string;
  manage: string;
  session: string;
}

export async function startHostileServer(): Promise<{ server: TestServer; entryId: string; leaked: Leaked }> {
  const leaked = { write: `lt_${randomBytes(32).toString("base64url")}`, manage: `lt_${randomBytes(32).toString("base64url")}`, session: randomBytes(32).toString("base64url") };
  // The write limit is exercised by its own server (hostile-limits.test.ts).
  const server = await startServer({ pages: true, env: { WRITES_PER_MINUTE: "100000" } });
  try {
    expect((await server.api("/api/stories", { body: { id: STORY, title: "Hostile input" } })).status).toBe(201);
    const res = await server.api(`/api/stories/${STORY}/entries`, { body: { body: "A first entry." } });
    const entryId = ((await res.json()) as { entry: Entry }).entry.id;
    const { user } = await createAccount(server.app.store.accounts, "hostile-admin", "admin");
    await server.app.store.accounts.updateUser(user.id, { mustChangePassword: false });
    for (const scope of ["write", "manage"] as const) {
      await server.app.store.accounts.createToken({ id: `t_hostile_${scope}`, name: scope, ownerId: user.id, scopes: [scope], createdAt: new Date().toISOString() }, secretHash(leaked[scope]));
    }
    await server.app.store.accounts.createSession({ idHash: secretHash(leaked.session), userId: user.id, createdAt: Date.now(), lastSeenAt: Date.now() });
    return { server, entryId, leaked };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** fetch() with full control of body bytes and headers (the admin token unless replaced). */
export function raw(base: string, path: string, init: { method?: string; body?: BodyInit; headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(base + path, {
    method: init.method ?? "POST",
    headers: { authorization: `Bearer ${TOKEN}`, ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body, duplex: "half" }),
  } as RequestInit);
}

/** `depth` arrays, each inside the last. */
export const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
