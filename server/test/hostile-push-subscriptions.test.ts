/**
 * What a stranger may send to the alert-subscription routes (issue 33): an endpoint is a URL the
 * server will POST to later, so every trick to point it elsewhere (internal addresses, look-alike
 * hosts, userinfo, fragments, other schemes and ports) is refused; bodies are small and shallow;
 * each address has a budget. Every one gets its exact status and code and stores nothing.
 */
import { createECDH, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./harness.js";
import { expectError } from "./hostile-assertions.js";
import { JSON_TYPE, nested } from "./hostile-server.js";

const STORY = "push-hostile";
const path = `/api/stories/${STORY}/push-subscriptions`;
const keys = { p256dh: createECDH("prime256v1").generateKeys().toString("base64url"), auth: randomBytes(16).toString("base64url") };
const subscription = (endpoint: string) => JSON.stringify({ endpoint, expirationTime: null, keys });

describe("hostile alert subscriptions", () => {
  let server: TestServer;
  /** A reader's address of its own for each test, so one test's budget does not spend another's. */
  let address = 0;
  const from = () => ({ ...JSON_TYPE, "x-forwarded-for": `203.0.113.${++address}` });
  // As a reader's browser sends it: no credentials.
  const send = (body: string, headers: Record<string, string> = from()) => fetch(server.url + path, { method: "POST", body, headers });

  beforeAll(async () => {
    server = await startServer({ env: { PUSH_CONTACT: "mailto:alerts@example.org", TRUST_PROXY: "loopback" } });
    await server.app.service.createStory({ id: STORY, title: "Hostile", summary: "" }, { author: { name: "Desk" } });
  });
  afterAll(() => server?.close());

  it("refuses every endpoint that is not an https URL on a listed push service, storing none", async () => {
    const tricks = [
      "https://fcm.googleapis.com.attacker.example/send/x",
      "https://attacker.example/#@fcm.googleapis.com/x",
      "https://attacker.example\\@fcm.googleapis.com/x",
      "https://fcm.googleapis.com@attacker.example/x",
      "https://user:pw@fcm.googleapis.com/fcm/send/x",
      "http://fcm.googleapis.com/fcm/send/x",
      "https://fcm.googleapis.com:8443/fcm/send/x",
      "https://127.0.0.1/x",
      "https://[::1]/x",
      "https://2130706433/x",
      "https://169.254.169.254/latest/meta-data/",
      "https://notify.windows.com/x",
      "file:///etc/passwd",
      "javascript:alert(1)",
      "//fcm.googleapis.com/fcm/send/x",
      "not a url",
    ];
    for (const endpoint of tricks) await expectError(await send(subscription(endpoint)), 400, "push_endpoint_refused");
    expect(await server.app.store.push.subscriberCount(STORY)).toBe(0);
    // The same checks let the real services through, the wildcard host of Windows included.
    expect((await send(subscription("https://fcm.googleapis.com/fcm/send/abc"))).status).toBe(201);
    expect((await send(subscription("https://wns2-db5p.notify.windows.com/w/?token=x"))).status).toBe(201);
    expect(await server.app.store.push.subscriberCount(STORY)).toBe(2);
  });

  it("refuses bodies too large, too deep, not JSON, or with keys that are not keys", async () => {
    await expectError(await send(JSON.stringify({ endpoint: "https://fcm.googleapis.com/x", keys, padding: "x".repeat(5000) })), 413, "payload_too_large");
    await expectError(await send(nested(200)), 400, "invalid_json");
    await expectError(await send(subscription("https://fcm.googleapis.com/x"), { ...from(), "content-type": "text/plain" }), 415, "unsupported_media_type");
    await expectError(await send(JSON.stringify({ endpoint: "https://fcm.googleapis.com/x", keys: { p256dh: "A".repeat(87), auth: keys.auth } })), 400, "validation_failed");
    await expectError(await send(JSON.stringify({ endpoint: "https://fcm.googleapis.com/x", keys: { ...keys, auth: "!!!!" } })), 400, "validation_failed");
    await expectError(await send(JSON.stringify({ endpoint: 42, keys })), 400, "validation_failed");
    await expectError(await send(JSON.stringify({ endpoint: `https://fcm.googleapis.com/${"x".repeat(1100)}`, keys })), 400, "validation_failed");
  });

  it("gives each address 20 changes a minute, then 429 with Retry-After; other addresses are not held up", async () => {
    const one = from();
    for (let n = 0; n < 20; n++) expect((await send(subscription(`https://fcm.googleapis.com/fcm/send/r${n}`), one)).status).toBe(201);
    const refused = await send(subscription("https://fcm.googleapis.com/fcm/send/r20"), one);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectError(refused, 429, "rate_limited");
    expect((await send(subscription("https://fcm.googleapis.com/fcm/send/other"))).status).toBe(201);
  });
});

describe("many addresses filling the alert subscriptions", () => {
  let server: TestServer;
  let address = 0;
  // Each request from an address of its own: every one is within its own rate limit.
  const subscribe = (story: string, endpoint: string) =>
    fetch(`${server.url}/api/stories/${story}/push-subscriptions`, { method: "POST", body: subscription(endpoint), headers: { ...JSON_TYPE, "x-forwarded-for": `198.51.100.${++address}` } });

  beforeAll(async () => {
    server = await startServer({ env: { PUSH_CONTACT: "mailto:alerts@example.org", TRUST_PROXY: "loopback", MAX_PUSH_SUBSCRIPTIONS_PER_STORY: "3", MAX_PUSH_SUBSCRIPTIONS: "5" } });
    for (const id of ["flood-a", "flood-b"]) await server.app.service.createStory({ id, title: id, summary: "" }, { author: { name: "Desk" } });
  });
  afterAll(() => server?.close());

  it("stores no more than the caps per story and in all (503 push_subscriptions_full), while stored readers still renew their keys", async () => {
    const endpoint = (n: number) => `https://fcm.googleapis.com/fcm/send/flood-${n}`;
    for (let n = 1; n <= 3; n++) expect((await subscribe("flood-a", endpoint(n))).status).toBe(201);
    await expectError(await subscribe("flood-a", endpoint(4)), 503, "push_subscriptions_full");
    expect((await subscribe("flood-a", endpoint(1))).status).toBe(201); // a browser renewing its subscription
    expect(await server.app.store.push.subscriberCount("flood-a")).toBe(3);

    for (let n = 5; n <= 6; n++) expect((await subscribe("flood-b", endpoint(n))).status).toBe(201);
    const full = await subscribe("flood-b", endpoint(7));
    await expectError(full.clone(), 503, "push_subscriptions_full");
    expect(((await full.json()) as { error: { message: string } }).error.message).toContain("at most 5 on this server");
    expect(await server.app.store.push.subscriptionTotal()).toBe(5);
    // Room again once readers leave (counted afresh within 2 s).
    expect((await fetch(`${server.url}/api/stories/flood-b/push-subscriptions`, { method: "DELETE", body: JSON.stringify({ endpoint: endpoint(5) }), headers: JSON_TYPE })).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await subscribe("flood-b", endpoint(7))).status).toBe(201);
  });
});
