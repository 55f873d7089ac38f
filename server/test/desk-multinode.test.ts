import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createClient } from "redis";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DESK_NAMESPACE, type DeskClientToServerEvents, type DeskFollowAck, type DeskServerToClientEvents } from "../../shared/desk-protocol.js";
import { send, sessionCookieOf } from "./accounts-helpers.js";
import { children, startChild, stopChild, type Child } from "./child-server.js";
import { TOKEN } from "./harness.js";
import { postgresUrl, redisUrl, requireService } from "./services.js";

type DeskSocket = Socket<DeskServerToClientEvents, DeskClientToServerEvents>;
const ready = (await requireService("postgres")) && (await requireService("redis"));

/**
 * The desk's channel across nodes (DESIGN.md §5): a draft written through one node reaches the
 * desks connected to another, through the Redis Streams adapter that also carries the readers'
 * versions (one adapter for every namespace). Its own stream and schema; Redis is never restarted.
 */
describe.skipIf(!ready)("the desk's live channel on two nodes (PostgreSQL and Redis)", () => {
  const schema = `lt_desk_${Math.random().toString(36).slice(2, 10)}`;
  const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-desk-nodes-"));
  const env = {
    DATABASE_URL: `${postgresUrl()}${postgresUrl().includes("?") ? "&" : "?"}schema=${schema}`,
    REDIS_URL: redisUrl(),
    REDIS_STREAM: `live-ticker-test-${schema}`,
  };
  const STORY = "desk-nodes";
  let a: Child;
  let b: Child;
  const sockets: DeskSocket[] = [];

  const deskSocket = (node: Child, headers: Record<string, string>) =>
    new Promise<DeskSocket>((resolve, reject) => {
      const socket: DeskSocket = connect(node.url + DESK_NAMESPACE, { transports: ["websocket"], extraHeaders: headers, reconnection: false, forceNew: true });
      sockets.push(socket);
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", reject);
    });
  const follow = (socket: DeskSocket) => new Promise<DeskFollowAck>((resolve) => socket.emit("follow", { storyId: STORY }, resolve));
  const within = <T>(promise: Promise<T>, what: string) =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within 10 s`)), 10_000))]);

  beforeAll(async () => {
    // One after the other: the first runs the migrations.
    a = await startChild(dataDir, { env });
    b = await startChild(dataDir, { env });
  }, 60_000);
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all([...children].map((child) => stopChild(child)));
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    const redis = createClient({ url: redisUrl() });
    await redis.connect();
    const keys = await redis.keys(`${env.REDIS_STREAM}*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.quit();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("pushes a draft written on one node to the desks on the other, and its publication back", async () => {
    expect((await send(a.url, "/api/stories", { bearer: TOKEN, body: { id: STORY, title: "Two nodes" } })).status).toBe(201);
    const created = await send(a.url, "/api/users", { bearer: TOKEN, body: { username: "wren", role: "contributor", displayName: "Wren" } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const signedIn = await send(a.url, "/api/session", { body: { username: "wren", password: created.body.password } });
    const cookie = sessionCookieOf(signedIn);
    const chosen = await send(a.url, "/api/session/password", { cookie, body: { currentPassword: created.body.password, newPassword: "wren-own-password-42" } });
    expect(chosen.status).toBe(204);

    const editorOnB = await deskSocket(b, { authorization: `Bearer ${TOKEN}` });
    const wrenOnA = await deskSocket(a, { cookie });
    expect(await follow(editorOnB)).toMatchObject({ ok: true });
    expect(await follow(wrenOnA)).toMatchObject({ ok: true });

    const seenOnB = within(new Promise<string>((resolve) => editorOnB.once("draft:changed", (m) => resolve(m.draft.body))), "draft:changed on node B");
    const draft = await send(a.url, `/api/stories/${STORY}/drafts`, { cookie, body: { body: "Written through node A" } });
    expect(draft.status).toBe(201);
    expect(await seenOnB).toBe("Written through node A");

    const closedOnA = within(new Promise((resolve) => wrenOnA.once("draft:closed", resolve)), "draft:closed on node A");
    const published = await send(b.url, `/api/stories/${STORY}/drafts/${draft.body.draft.id}/publish`, { bearer: TOKEN, method: "POST" });
    expect(published.status).toBe(201);
    expect(await closedOnA).toEqual({ storyId: STORY, id: draft.body.draft.id, outcome: "published", by: { name: "Newsroom" }, at: expect.any(String), entryId: published.body.entry.id });
  });
});
