import { networkInterfaces } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Snapshot } from "../../shared/story.js";
import { followStory } from "../../client/lib/live-client.js";
import { startServer, TOKEN, type TestServer } from "./harness.js";
import { expectError } from "./hostile-assertions.js";
import { parseMetrics, scrape, type Scrape } from "./scrape.js";

/** Resolves when `check` holds, polling; fails with `what` after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The size of a Socket.IO event packet as the server encoded it: JSON.parse keeps key order, so this is the same text. */
const packetBytes = (event: string, payload: unknown) => Buffer.byteLength(`2${JSON.stringify([event, payload])}`);

describe("GET /metrics", () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(() => server.close());

  /** A reader following `storyId`, adding up the bytes of every patch and snapshot it receives. */
  const reader = (storyId: string, initial?: Snapshot) => {
    const socket = server.socket();
    const received = { bytes: 0, messages: [] as string[] };
    socket.onAny((event: string, payload: unknown) => {
      received.bytes += packetBytes(event, payload);
      received.messages.push(event);
    });
    const follow = followStory(socket, storyId, initial ? { initial } : {});
    return { socket, received, follow };
  };
  const post = async (storyId: string, body: string) => {
    const res = await server.api(`/api/stories/${storyId}/entries`, { body: { body } });
    expect(res.status).toBe(201);
    return ((await res.json()) as { version: number }).version;
  };
  const counter = (metrics: Scrape, name: string, labels?: Record<string, string>) => metrics.value(name, labels) ?? 0;

  it("answers Prometheus text with the process's metrics, event-loop lag included, and no access log line", async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const metrics = await scrape(server.url);
    for (const name of ["process_resident_memory_bytes", "process_cpu_seconds_total", "nodejs_eventloop_lag_seconds", "nodejs_eventloop_lag_p99_seconds", "nodejs_heap_size_used_bytes"]) {
      expect(metrics.value(name), name).toBeGreaterThan(-1);
    }
    expect(metrics.value("live_ticker_connected_sockets")).toBe(0);
    expect(metrics.series("live_ticker_subscriptions")).toEqual([]);
    expect(metrics.text).toContain("# TYPE live_ticker_write_duration_seconds histogram");
  });

  it("moves with real readers and writes: sockets, subscriptions per story, patches and bytes sent, catch-ups and snapshots, serializations, write latency", async () => {
    expect((await server.api("/api/stories", { body: { id: "alpha", title: "Alpha" } })).status).toBe(201);
    expect((await server.api("/api/stories", { body: { id: "beta", title: "Beta" } })).status).toBe(201);
    const a1 = reader("alpha");
    const a2 = reader("alpha");
    const b1 = reader("beta");
    const idle = server.socket(); // connected, following nothing
    await until(() => [a1, a2, b1].every((r) => r.follow.follower.version === 1) && idle.connected, "three readers with their snapshots");

    let metrics = await scrape(server.url);
    expect(metrics.value("live_ticker_connected_sockets")).toBe(4);
    expect(metrics.series("live_ticker_subscriptions").sort((x, y) => x.labels.storyId!.localeCompare(y.labels.storyId!))).toEqual([
      { labels: { storyId: "alpha" }, value: 2 },
      { labels: { storyId: "beta" }, value: 1 },
    ]);
    expect(counter(metrics, "live_ticker_subscribe_sends_total", { kind: "snapshot" })).toBe(3);
    // Two readers of alpha share one serialization of its snapshot.
    expect(counter(metrics, "live_ticker_serializations_total", { event: "snapshot" })).toBe(2);
    expect(counter(metrics, "live_ticker_patches_sent_total")).toBe(0);

    for (let n = 0; n < 5; n++) await post("alpha", `Update ${n}`);
    await until(() => a1.follow.follower.version === 6 && a2.follow.follower.version === 6, "both alpha readers at version 6");
    metrics = await scrape(server.url);
    expect(counter(metrics, "live_ticker_patches_sent_total")).toBe(10); // 5 patches × 2 sockets
    expect(counter(metrics, "live_ticker_serializations_total", { event: "patch" })).toBe(5);
    expect(counter(metrics, "live_ticker_sent_bytes_total")).toBe(a1.received.bytes + a2.received.bytes + b1.received.bytes);
    // Two stories created and five entries posted, each acknowledged.
    expect(metrics.value("live_ticker_write_duration_seconds_count")).toBe(7);
    expect(metrics.value("live_ticker_write_duration_seconds_bucket", { le: "+Inf" })).toBe(7);
    expect(metrics.value("live_ticker_write_duration_seconds_sum")).toBeGreaterThan(0);

    // A reader that already has version 6 is sent nothing but its ack; it gets the next patch with the others.
    const returning = reader("alpha", a1.follow.follower.snapshot);
    const alphaReaders = async () => (await scrape(server.url)).value("live_ticker_subscriptions", { storyId: "alpha" });
    await until(async () => (await alphaReaders()) === 3, "the returning reader subscribed");
    b1.socket.disconnect();
    a2.follow.stop();
    await post("alpha", "After the returning reader");
    await until(() => returning.follow.follower.version === 7 && a1.follow.follower.version === 7, "alpha readers at 7");
    metrics = await scrape(server.url);
    expect(counter(metrics, "live_ticker_subscribe_sends_total", { kind: "snapshot" })).toBe(3);
    expect(counter(metrics, "live_ticker_patches_sent_total")).toBe(12); // + 1 patch × the 2 alpha readers left
    expect(metrics.series("live_ticker_subscriptions")).toEqual([{ labels: { storyId: "alpha" }, value: 2 }]);
    expect(metrics.value("live_ticker_connected_sockets")).toBe(4);

    const stale = reader("alpha", (await (await server.api("/api/stories/alpha?version=6")).json()) as Snapshot);
    await until(() => stale.follow.follower.version === 7, "the reader from version 6");
    metrics = await scrape(server.url);
    expect(counter(metrics, "live_ticker_subscribe_sends_total", { kind: "patch" })).toBe(1);
    expect(counter(metrics, "live_ticker_patches_sent_total")).toBe(13);
    expect(counter(metrics, "live_ticker_sent_bytes_total")).toBe(
      [a1, a2, b1, returning, stale].reduce((sum, r) => sum + r.received.bytes, 0),
    );
  });

  it("keeps one version's pages, JSON and feeds per story however many versions are read, and reports every cache's bytes", async () => {
    await server.api("/api/stories", { body: { id: "epsilon", title: "Epsilon" } });
    let json = 0;
    let feed = 0;
    for (let i = 0; i < 6; i++) {
      await post("epsilon", `Update ${i}: the ${"river ".repeat(40)}is rising`);
      // What a newcomer reads at each version: the latest view's JSON, and the feed.
      json = (await (await server.api("/api/stories/epsilon?view=latest")).arrayBuffer()).byteLength;
      feed = (await (await fetch(`${server.url}/stories/epsilon/feed.json`)).arrayBuffer()).byteLength;
    }
    const metrics = await scrape(server.url);
    // Only the latest version's bodies are kept: keyed by version, the six versions' were all kept.
    expect(metrics.value("live_ticker_cache_bytes", { cache: "latest-json" })).toBe(json);
    expect(metrics.value("live_ticker_cache_bytes", { cache: "feeds" })).toBe(feed);
    expect(metrics.value("live_ticker_cache_bytes", { cache: "version-bodies" })).toBe(0);
  });

  it("counts rejected inputs by error code, from REST and from socket acks", async () => {
    await server.api("/api/stories", { body: { id: "gamma", title: "Gamma" } });
    expect((await server.api("/api/stories/gamma/entries", { body: "{not json" })).status).toBe(400);
    expect((await server.api("/api/stories/nope/entries", { body: { body: "x" } })).status).toBe(404);
    expect((await server.api("/api/stories/nope")).status).toBe(404);
    expect((await server.api("/api/stories/gamma/entries", { body: { body: "x" }, auth: false })).status).toBe(401);
    const socket = server.socket();
    expect(await socket.emitWithAck("subscribe", { storyId: "Not A Slug" })).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await socket.emitWithAck("subscribe", { storyId: "nope" })).toMatchObject({ ok: false, error: { code: "story_not_found" } });
    // No ack asked for: still counted.
    (socket as unknown as { emit(event: string, payload: unknown): void }).emit("subscribe", { storyId: "still-nope" });

    await until(async () => counter(await scrape(server.url), "live_ticker_rejected_total", { code: "story_not_found", via: "socket" }) === 2, "socket rejections");
    const metrics = await scrape(server.url);
    expect(counter(metrics, "live_ticker_rejected_total", { code: "invalid_json", via: "http" })).toBe(1);
    expect(counter(metrics, "live_ticker_rejected_total", { code: "story_not_found", via: "http" })).toBe(2);
    expect(counter(metrics, "live_ticker_rejected_total", { code: "unauthorized", via: "http" })).toBe(1);
    expect(counter(metrics, "live_ticker_rejected_total", { code: "bad_request", via: "socket" })).toBe(1);
    // Rejected writes are not acknowledged writes.
    expect(metrics.value("live_ticker_write_duration_seconds_count")).toBe(1);
  });

  it("keeps each app's counts apart when several run in one process", async () => {
    await server.api("/api/stories", { body: { id: "delta", title: "Delta" } });
    const r = reader("delta");
    await until(() => r.follow.follower.version === 1, "the snapshot");
    await post("delta", "Only on the first server");
    await until(() => r.follow.follower.version === 2, "the patch");
    const other = await startServer();
    try {
      const mine = await scrape(server.url);
      const theirs = await scrape(other.url);
      expect(counter(mine, "live_ticker_patches_sent_total")).toBe(1);
      expect(counter(theirs, "live_ticker_patches_sent_total")).toBe(0);
      expect(counter(theirs, "live_ticker_serializations_total", { event: "snapshot" })).toBe(0);
      expect(theirs.value("live_ticker_connected_sockets")).toBe(0);
      // The process's own metrics are the same process's in both.
      expect(theirs.value("process_start_time_seconds")).toBe(mine.value("process_start_time_seconds"));
    } finally {
      await other.close();
    }
  });
});

/** This machine's address on a real network interface: a request to it is not from loopback. */
const networkAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && !address.internal && address.family === "IPv4")?.address;

describe.skipIf(!networkAddress && !process.env.CI)("who may read /metrics", () => {
  const METRICS_TOKEN = "scrape-token-0123456789";
  const servers: TestServer[] = [];
  // Listening on every interface, so that the same server can be reached from loopback and from the network.
  const start = async (env: Record<string, string> = {}) => {
    const server = await startServer({ env: { HOST: "0.0.0.0", ...env } });
    servers.push(server);
    return { server, remote: server.url.replace("127.0.0.1", networkAddress!) };
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const get = (url: string, headers: Record<string, string> = {}) => fetch(`${url}/metrics`, { headers });

  it("serves this host, and refuses other hosts (with no METRICS_TOKEN), X-Forwarded-For or not", async () => {
    expect(networkAddress, "a non-loopback IPv4 interface to request from").toBeDefined();
    const { server, remote } = await start({ TRUST_PROXY: "1" });
    expect((await get(server.url)).status).toBe(200);
    await expectError(await get(remote), 403, "forbidden");
    // A trusted proxy's X-Forwarded-For names the client for everything else, never for this.
    await expectError(await get(remote, { "x-forwarded-for": "127.0.0.1" }), 403, "forbidden");
    // A proxy on this host relays other hosts' requests: forwarded ones are not this host's.
    await expectError(await get(server.url, { "x-forwarded-for": "203.0.113.9" }), 403, "forbidden");
    await expectError(await get(server.url, { forwarded: "for=203.0.113.9" }), 403, "forbidden");
    // Nor is the admin token a way in.
    await expectError(await get(remote, { authorization: `Bearer ${TOKEN}` }), 403, "forbidden");
  });

  it("serves Authorization: Bearer METRICS_TOKEN from anywhere, and 401s a wrong or missing one", async () => {
    const { server, remote } = await start({ METRICS_TOKEN });
    const scraped = await get(remote, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(scraped.status).toBe(200);
    expect(parseMetrics(await scraped.text()).value("live_ticker_connected_sockets")).toBe(0);
    expect((await get(server.url)).status).toBe(200);
    for (const authorization of [undefined, `Bearer ${METRICS_TOKEN}x`, `Bearer ${METRICS_TOKEN.slice(0, -1)}`, `Basic ${METRICS_TOKEN}`, `Bearer ${TOKEN}`]) {
      const res = await get(remote, authorization ? { authorization } : {});
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
      await expectError(res, 401, "unauthorized");
    }
  });
});
