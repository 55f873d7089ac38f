import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushAlertPayload } from "../../shared/push-alert.js";
import { DESK_NAMESPACE, type AlertSentMessage, type DeskClientToServerEvents, type DeskFollowAck, type DeskServerToClientEvents } from "../../shared/desk-protocol.js";
import { children, startChild, stopChild, type Child } from "./child-server.js";
import { TOKEN, UNTHROTTLED } from "./harness.js";
import { newSubscription, startPushService, vapidClaims, type LocalPushService, type TestSubscription } from "./push-service.js";
import { postgresUrl, redisUrl, requireService } from "./services.js";

/**
 * Breaking-news alerts (issue 33) end to end: the real server as a child process posts to a local
 * https push service it trusts through NODE_EXTRA_CA_CERTS; the test decrypts every message with the
 * reader's private key (RFC 8291) and checks the VAPID JWT (RFC 8292) and the headers. Each alert
 * reaches each subscriber once: after a kill -9 between the commit and the send, and with two nodes
 * draining one PostgreSQL outbox while editors publish on both.
 */

const START_MS = 90_000;
const CONTACT = "mailto:alerts@example.org";
const hasPostgres = await requireService("postgres");
const dirs: string[] = [];
let service: LocalPushService;

beforeAll(async () => {
  service = await startPushService();
});
afterAll(async () => {
  await Promise.all([...children].map((child) => stopChild(child, "SIGKILL")));
  await service?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "live-ticker-push-"));
  dirs.push(dir);
  return dir;
};
const pushEnv = () => ({ NODE_EXTRA_CA_CERTS: service.certificateFile, PUSH_SERVICES: service.origin, PUSH_CONTACT: CONTACT, ...UNTHROTTLED });
const send = (node: Child, method: string, path: string, body?: unknown, auth = true) =>
  fetch(node.url + path, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
let paths = 0;
const subscriptionFor = () => newSubscription(service.origin, `/push/${++paths}-${Math.random().toString(36).slice(2, 8)}`);
const deliveries = (subscription: TestSubscription) => service.received.filter((push) => push.path === subscription.path);
const alertsTo = (subscription: TestSubscription) => deliveries(subscription).map((push) => JSON.parse(subscription.decrypt(push.body)) as PushAlertPayload);

/** An admin's desk channel following `stories`, and the "alert:sent" messages it hears. */
async function deskHearing(node: Child, stories: string[]): Promise<{ socket: Socket; heard: AlertSentMessage[] }> {
  const socket: Socket<DeskServerToClientEvents, DeskClientToServerEvents> = connect(node.url + DESK_NAMESPACE, {
    transports: ["websocket"],
    extraHeaders: { authorization: `Bearer ${TOKEN}` },
    reconnection: false,
    forceNew: true,
  });
  const heard: AlertSentMessage[] = [];
  socket.on("alert:sent", (message) => heard.push(message));
  await new Promise<void>((resolve, reject) => (socket.once("connect", resolve), socket.once("connect_error", reject)));
  for (const storyId of stories) expect((await new Promise<DeskFollowAck>((resolve) => socket.emit("follow", { storyId }, resolve))).ok).toBe(true);
  return { socket, heard };
}
const subscribers = async (node: Child, storyId: string) =>
  ((await (await send(node, "GET", `/api/stories/${storyId}/push-subscriptions`)).json()) as { subscribers: number }).subscribers;

async function createStory(node: Child, id: string, language = "en") {
  expect((await send(node, "POST", "/api/stories", { id, title: `Story ${id}`, language })).status).toBe(201);
}
async function subscribe(node: Child, storyId: string, subscription: TestSubscription) {
  const response = await send(node, "POST", `/api/stories/${storyId}/push-subscriptions`, subscription.json, false);
  expect(response.status, await response.clone().text()).toBe(201);
}
async function publish(node: Child, storyId: string, fields: Record<string, unknown>): Promise<string> {
  const response = await send(node, "POST", `/api/stories/${storyId}/entries`, { body: "Details follow.", ...fields });
  expect(response.status).toBe(201);
  return ((await response.json()) as { entry: { id: string } }).entry.id;
}

describe("Web Push alerts from one node (SQLite)", () => {
  let node: Child;
  let publicKey: string;
  beforeAll(async () => {
    node = await startChild(freshDir(), { env: pushEnv(), startMs: START_MS });
    publicKey = ((await (await send(node, "GET", "/api/push/key", undefined, false)).json()) as { publicKey: string }).publicKey;
  }, START_MS + 10_000);
  afterAll(() => stopChild(node.process));

  it("pushes a breaking update once to each subscriber, encrypted for it, signed, short-lived, urgent, on the story's topic; forgets a gone subscription and retries a busy service", async () => {
    await createStory(node, "alerts-ar", "ar");
    const [reader, busy, gone] = [subscriptionFor(), subscriptionFor(), subscriptionFor()];
    service.answer(busy.path, [429, 503, 201]);
    service.answer(gone.path, [410]);
    for (const subscription of [reader, busy, gone]) await subscribe(node, "alerts-ar", subscription);
    // The desk's count is for editors: readers get 401, and never the endpoints.
    expect(await subscribers(node, "alerts-ar")).toBe(3);
    expect((await send(node, "GET", "/api/stories/alerts-ar/push-subscriptions", undefined, false)).status).toBe(401);
    const desk = await deskHearing(node, ["alerts-ar"]);
    // Neither an update nor a breaking one published with alert: false is pushed.
    await publish(node, "alerts-ar", { headline: "Routine", kind: "update" });
    await publish(node, "alerts-ar", { headline: "Quiet breaking", kind: "breaking", alert: false });
    const before = Date.now();
    const entryId = await publish(node, "alerts-ar", { headline: "انفجار في الميناء", kind: "breaking" });

    await until(() => deliveries(reader).length === 1 && deliveries(busy).length === 3 && deliveries(gone).length === 1, "the alert at every subscriber");
    const [alert] = alertsTo(reader);
    expect(alert).toEqual({
      storyId: "alerts-ar", entryId, title: "Story alerts-ar", body: "انفجار في الميناء",
      url: `/stories/alerts-ar/updates/${entryId}`, lang: "ar", dir: "rtl", tag: "story-alerts-ar",
    });
    expect(alertsTo(busy)).toEqual([alert, alert, alert]);
    // The desk hears what came of it once the send ended: 2 sent (one after retries), 1 gone.
    await until(() => desk.heard.length === 1, "the desk's alert:sent");
    expect(desk.heard).toEqual([{ storyId: "alerts-ar", entryId, state: "done", sent: 2, failed: 0, removed: 1, subscribers: 2 }]);
    expect(await subscribers(node, "alerts-ar")).toBe(2);
    desk.socket.disconnect();

    const push = deliveries(reader)[0]!;
    expect(push.headers["content-encoding"]).toBe("aes128gcm");
    expect(push.headers.urgency).toBe("high");
    const ttl = Number(push.headers.ttl);
    expect(ttl).toBeGreaterThanOrEqual(60 * 60);
    expect(ttl).toBeLessThanOrEqual(24 * 60 * 60);
    expect(push.headers.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    const claims = vapidClaims(String(push.headers.authorization), publicKey);
    expect(claims).toMatchObject({ aud: service.origin, sub: CONTACT });
    expect(claims.exp * 1000).toBeGreaterThan(before);
    expect(claims.exp * 1000).toBeLessThanOrEqual(before + 24 * 60 * 60 * 1000);
    // One JWT per push service, reused (not signed again for every reader).
    expect(new Set([reader, busy, gone].flatMap((s) => deliveries(s).map((p) => vapidClaims(String(p.headers.authorization), publicKey).jwt))).size).toBe(1);

    // Edited and then removed within its TTL: no second alert.
    expect((await send(node, "PATCH", `/api/stories/alerts-ar/entries/${entryId}`, { headline: "انفجار في الميناء (تحديث)" })).status).toBe(200);
    expect((await send(node, "DELETE", `/api/stories/alerts-ar/entries/${entryId}`)).status).toBe(200);
    await sleep(2500);
    expect(deliveries(reader)).toHaveLength(1);
    const metrics = await (await send(node, "GET", "/metrics")).text();
    expect(metrics).toMatch(/live_ticker_push_messages_total\{outcome="sent"\} 2\b/);
    expect(metrics).toMatch(/live_ticker_push_messages_total\{outcome="removed"\} 1\b/);
    expect(metrics).toMatch(/live_ticker_push_outbox_depth 0\b/);
  });

  it("refuses endpoints off PUSH_SERVICES, plain http, bad keys and unknown stories with clear errors, and unsubscribes in one call", async () => {
    await createStory(node, "alerts-routes");
    const good = subscriptionFor();
    const post = (body: unknown, story = "alerts-routes") => send(node, "POST", `/api/stories/${story}/push-subscriptions`, body, false);
    const refusals: [unknown, number, string][] = [
      [{ ...good.json, endpoint: "https://push.attacker.example/x" }, 400, "push_endpoint_refused"],
      [{ ...good.json, endpoint: good.json.endpoint.replace("https:", "http:") }, 400, "push_endpoint_refused"],
      [{ ...good.json, endpoint: "https://169.254.169.254/latest/meta-data" }, 400, "push_endpoint_refused"],
      [{ ...good.json, endpoint: `https://user:pw@${service.origin.slice(8)}/x` }, 400, "push_endpoint_refused"],
      [{ ...good.json, keys: { p256dh: "short", auth: good.json.keys.auth } }, 400, "validation_failed"],
      [{ ...good.json, endpoint: `${service.origin}/${"x".repeat(2000)}` }, 400, "validation_failed"],
    ];
    for (const [body, status, code] of refusals) {
      const response = await post(body);
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect((await post(good.json, "no-such-story")).status).toBe(404);

    await subscribe(node, "alerts-routes", good);
    const unsubscribed = await send(node, "DELETE", "/api/stories/alerts-routes/push-subscriptions", { endpoint: good.json.endpoint }, false);
    expect(unsubscribed.status).toBe(204);
    await publish(node, "alerts-routes", { headline: "Nobody is told", kind: "breaking" });
    await sleep(2500);
    expect(deliveries(good)).toHaveLength(0);
  });
});

describe("Web Push alerts across a kill -9 between the commit and the send", () => {
  it("delivers an alert committed just before the crash exactly once, by the restarted server", async () => {
    const dataDir = freshDir();
    const first = await startChild(dataDir, { env: pushEnv(), startMs: START_MS });
    await createStory(first, "alerts-crash");
    const readers = [subscriptionFor(), subscriptionFor()];
    for (const reader of readers) await subscribe(first, "alerts-crash", reader);
    const entryId = await publish(first, "alerts-crash", { headline: "Crash before the send", kind: "breaking" });
    first.process.kill("SIGKILL"); // the outbox is looked at once a second: this lands between commit and send
    await stopChild(first.process);
    const sentBeforeCrash = readers.map((reader) => deliveries(reader).length);

    const second = await startChild(dataDir, { env: pushEnv(), startMs: START_MS });
    await until(() => readers.every((reader) => deliveries(reader).length >= 1), "the alert after the restart");
    await sleep(2500);
    for (const reader of readers) expect(alertsTo(reader).map((alert) => alert.entryId)).toEqual([entryId]);
    expect(sentBeforeCrash).toEqual([0, 0]);
    await stopChild(second.process);
  }, 3 * START_MS);
});

describe.skipIf(!hasPostgres)("Web Push alerts from two nodes draining one PostgreSQL outbox", () => {
  const schema = `lt_push_${Math.random().toString(36).slice(2, 10)}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
  });

  it("pushes each alert once to each subscriber while editors publish on both nodes at once", async () => {
    const env = { ...pushEnv(), DATABASE_URL: `${postgresUrl()}${postgresUrl().includes("?") ? "&" : "?"}schema=${schema}`, REDIS_URL: redisUrl(), REDIS_STREAM: `lt-test-${schema}` };
    const nodes = [await startChild(freshDir(), { env, startMs: START_MS }), await startChild(freshDir(), { env, startMs: START_MS })];
    const stories = ["pg-a", "pg-b", "pg-c", "pg-d", "pg-e", "pg-f"];
    const readers = new Map<string, TestSubscription[]>();
    for (const [i, story] of stories.entries()) {
      await createStory(nodes[i % 2]!, story);
      readers.set(story, [subscriptionFor(), subscriptionFor(), subscriptionFor()]);
      for (const reader of readers.get(story)!) await subscribe(nodes[(i + 1) % 2]!, story, reader);
    }
    const desk = await deskHearing(nodes[0]!, stories);
    // Every story's breaking update published at once, half on each node.
    const entries = await Promise.all(stories.map((story, i) => publish(nodes[i % 2]!, story, { headline: `Breaking in ${story}`, kind: "breaking" })));
    const all = [...readers.values()].flat();
    await until(() => all.every((reader) => deliveries(reader).length >= 1), "every alert at every subscriber");
    await sleep(3000);
    for (const [i, story] of stories.entries()) {
      for (const reader of readers.get(story)!) expect(alertsTo(reader).map((alert) => alert.entryId)).toEqual([entries[i]]);
    }
    // One desk on one node hears of every alert once, whichever node sent it.
    expect(desk.heard.map((m) => [m.storyId, m.entryId, m.sent, m.subscribers]).sort()).toEqual(stories.map((story, i) => [story, entries[i], 3, 3]).sort());
    desk.socket.disconnect();
    await Promise.all(nodes.map((node) => stopChild(node.process)));
  }, 4 * START_MS);
});
