/**
 * The shipped nginx configuration (deploy/nginx.conf) in front of one real node on SQLite, as an
 * operator runs it: readers over WebSocket and long-polling, what the cache keeps and for how
 * long, a crowd of page loads against the origin, and /metrics kept closed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../shared/story.js";
import { noisyJpeg } from "./images.js";
import { freePort, startChild, stopChild, type Child } from "./child-server.js";
import { TOKEN } from "./harness.js";
import { nginxMissing, startNginx, type Nginx } from "./nginx.js";
import { adminApi, pageSnapshot, postEntry, recordingReader, until, type RecordingReader } from "./proxied-readers.js";
import { rawGet } from "./raw-get.js";

/** How many page loads the crowd makes (the figure), and how many at once. */
const CROWD = 1000;
const AT_ONCE = 50;

describe.skipIf(nginxMissing)("nginx in front of one node", { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-nginx-one-"));
  let node: Child;
  let nginx: Nginx;
  let storyId: string;
  const readers: RecordingReader[] = [];
  /** Requests the node itself answered, by URL, counted from its access log lines as they come. */
  const originHits = new Map<string, number>();

  beforeAll(async () => {
    const proxyPort = await freePort();
    node = await startChild(dataDir, {
      env: { PUBLIC_URL: `http://127.0.0.1:${proxyPort}`, TRUST_PROXY: "loopback", WRITES_PER_MINUTE: "1000000", LOGIN_FAILURES_PER_IP: "2" },
    });
    let pending = "";
    node.process.stdout!.on("data", (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const url = /"msg":"request completed"/.test(line) ? /"url":"([^"]+)"/.exec(line)?.[1] : undefined;
        if (url) originHits.set(url, (originHits.get(url) ?? 0) + 1);
      }
    });
    nginx = await startNginx([node.url], proxyPort);
    const created = await adminApi(nginx.url, "/api/stories", { title: "Behind the proxy" });
    expect(created.status).toBe(201);
    storyId = ((await created.json()) as Snapshot).id;
    await postEntry(nginx.url, storyId, "First word from the scene");
  });
  afterAll(async () => {
    for (const reader of readers) reader.socket.close();
    await nginx?.stop();
    if (node) await stopChild(node.process);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("readers connect through it over WebSocket and over long-polling and get every update in order", async () => {
    const overWebSocket = recordingReader(nginx.url, storyId, { transports: ["websocket"] });
    const overPolling = recordingReader(nginx.url, storyId, { transports: ["polling"] });
    readers.push(overWebSocket, overPolling);
    await until(() => overWebSocket.versions.length > 0 && overPolling.versions.length > 0, "both readers' first snapshot");
    let last = 0;
    for (let i = 1; i <= 12; i++) last = await postEntry(nginx.url, storyId, `Update ${i} through the proxy`);
    await until(() => overWebSocket.follow.follower.version === last && overPolling.follow.follower.version === last, "both readers at the last version");
    for (const reader of [overWebSocket, overPolling]) {
      expect(reader.gapless()).toBe(true);
      expect(reader.versions.at(-1)).toBe(last);
    }
    expect(overWebSocket.socket.io.engine.transport.name).toBe("websocket");
    expect(overPolling.socket.io.engine.transport.name).toBe("polling");
  });

  it("serves the live page, story JSON and feeds from its cache, compressed as the node compressed them", async () => {
    for (const path of [`/stories/${storyId}`, `/api/stories/${storyId}`, `/stories/${storyId}/feed.atom`, `/stories/${storyId}/feed.json`]) {
      await fetch(nginx.url + path).then((res) => res.arrayBuffer());
      const again = await fetch(nginx.url + path);
      await again.arrayBuffer();
      expect(again.status, path).toBe(200);
      expect(again.headers.get("x-cache-status"), path).toBe("HIT");
      expect(again.headers.get("cache-control"), path).toContain("s-maxage=");
    }
    for (const encoding of ["br", "gzip"]) {
      const path = `/stories/${storyId}`;
      await rawGet(nginx.url + path, { "accept-encoding": encoding });
      const kept = await rawGet(nginx.url + path, { "accept-encoding": encoding });
      expect(kept.headers["content-encoding"]).toBe(encoding);
      expect(kept.headers["x-cache-status"]).toBe("HIT");
    }
  });

  it("a reader handed the cached page of an older version is brought to the new one through the proxy", async () => {
    const path = `/stories/${storyId}`;
    const cachedPage = await fetch(nginx.url + path);
    const cached = pageSnapshot(await cachedPage.text());
    const next = await postEntry(nginx.url, storyId, "Posted while the proxy kept its copy");
    const served = await fetch(nginx.url + path);
    // Still the kept copy: fresh (HIT) or, past s-maxage, stale while one request revalidates it.
    expect(["HIT", "UPDATING", "STALE"]).toContain(served.headers.get("x-cache-status"));
    expect(pageSnapshot(await served.text()).version).toBe(cached.version);
    expect(next).toBe(cached.version + 1);

    const reader = recordingReader(nginx.url, storyId, { initial: cached, view: "latest" });
    readers.push(reader);
    await until(() => reader.follow.follower.version === next, "the cached page's reader at the new version");
    expect(reader.via).toEqual(["patch"]);
    expect(reader.follow.follower.snapshot!.entries).toSatisfy((entries: Snapshot["entries"]) =>
      Object.values(entries).some((entry) => entry.headline === "Posted while the proxy kept its copy"),
    );
  });

  /** `CROWD` loads of `path` through nginx, `AT_ONCE` at a time: how many reached the node, and the cache statuses. */
  const crowd = async (path: string): Promise<{ hits: number; statuses: Record<string, number>; ms: number }> => {
    const before = originHits.get(path) ?? 0;
    const startedAt = Date.now();
    const statuses: Record<string, number> = {};
    let started = 0;
    const load = async (): Promise<void> => {
      while (started < CROWD) {
        started++;
        const res = await fetch(nginx.url + path);
        await res.arrayBuffer();
        expect(res.status).toBe(200);
        const status = res.headers.get("x-cache-status") ?? "none";
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, load));
    // The node logs a request as it finishes: give the last line a moment to be read from its output.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(Object.values(statuses).reduce((a, b) => a + b)).toBe(CROWD);
    return { hits: (originHits.get(path) ?? 0) - before, statuses, ms: Date.now() - startedAt };
  };

  it(`answers a crowd of ${CROWD} loads of a page nobody asked for yet with one request to the node`, async () => {
    const created = await adminApi(nginx.url, "/api/stories", { title: "Breaking, just opened" });
    const { id } = (await created.json()) as Snapshot;
    const { hits, statuses } = await crowd(`/stories/${id}`);
    console.log(`${CROWD} loads of an uncached page through nginx (${AT_ONCE} at once): ${hits} reached the node; cache statuses ${JSON.stringify(statuses)}`);
    // One, unless a render outlasted nginx's lock (10 s) on a starved machine.
    expect(hits).toBeGreaterThanOrEqual(1);
    expect(hits).toBeLessThanOrEqual(2);
  });

  it(`answers a crowd of ${CROWD} loads of a page whose cached copy has expired with a handful of requests to the node`, async () => {
    const path = `/stories/${storyId}`;
    await fetch(nginx.url + path).then((res) => res.arrayBuffer());
    const version = await postEntry(nginx.url, storyId, "A push alert went out");
    // The moment after a push alert: the kept copy is past CACHE_S_MAXAGE (5 s), every reader asks at once.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const { hits, statuses, ms } = await crowd(path);
    console.log(`${CROWD} loads of an expired cached page through nginx (${AT_ONCE} at once, ${ms} ms): ${hits} reached the node; cache statuses ${JSON.stringify(statuses)}`);
    expect(hits).toBeGreaterThanOrEqual(1);
    // One revalidation at a time, each copy fresh for CACHE_S_MAXAGE (5 s) after it: a handful
    // however long a starved machine takes over the crowd.
    expect(hits).toBeLessThanOrEqual(Math.max(5, 1 + Math.ceil(ms / 5_000)));
    await until(async () => pageSnapshot(await (await fetch(nginx.url + path)).text()).version === version, "the new version's page in the cache", 15_000);
  });

  it("keeps /metrics closed through the proxy, whatever the client claims to be", async () => {
    const claims: Record<string, string>[] = [{}, { "x-forwarded-for": "127.0.0.1" }, { authorization: `Bearer ${TOKEN}` }];
    for (const headers of claims) {
      const res = await fetch(`${nginx.url}/metrics`, { headers });
      expect(res.status).toBe(403);
      const text = await res.text();
      expect(text).not.toContain("live_ticker_");
      expect(JSON.parse(text)).toMatchObject({ error: { code: "forbidden" } });
    }
    // The node itself still answers its own host.
    expect((await fetch(`${node.url}/metrics`)).status).toBe(200);
  });

  it("gives the node the client's address, not one the client claims in X-Forwarded-For", async () => {
    // Two failed sign-ins lock an address (LOGIN_FAILURES_PER_IP=2): a client that claims a new
    // address on every attempt is still one address to the node, so its third attempt is locked.
    const signIn = (claimed: string, username: string) =>
      fetch(`${nginx.url}/api/session`, {
        method: "POST",
        headers: { "content-type": "application/json", "sec-fetch-site": "same-origin", "x-forwarded-for": claimed },
        body: JSON.stringify({ username, password: "not the password at all" }),
      });
    expect((await signIn("203.0.113.7", "nobody-one")).status).toBe(401);
    expect((await signIn("203.0.113.8", "nobody-two")).status).toBe(401);
    const third = await signIn("203.0.113.9", "nobody-three");
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
  });

  it("refuses a body past the node's limits as the node would, and lets the node judge smaller ones", async () => {
    const upload = (bytes: number) =>
      fetch(`${nginx.url}/api/media`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/octet-stream" },
        body: new Uint8Array(Buffer.alloc(bytes, 0xff)),
      });
    // One byte past MAX_UPLOAD_BYTES: nginx's 413 in the API's words.
    const tooBig = await upload(20 * 1024 * 1024 + 1);
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toEqual({ error: { code: "upload_too_large", message: expect.any(String), details: { maxBytes: 20 * 1024 * 1024 } } });
    // At the limit it reaches the node, which judges the bytes: these are no image format it takes.
    const atLimit = await upload(20 * 1024 * 1024);
    expect(atLimit.status).toBe(415);
    expect(((await atLimit.json()) as { error: { code: string } }).error.code).toBe("unsupported_image_type");
    // A JSON body past MAX_JSON_BODY_BYTES (64 KiB) is the node's own 413.
    const long = await adminApi(nginx.url, `/api/stories/${storyId}/entries`, { body: "x".repeat(70_000) });
    expect(long.status).toBe(413);
    expect(((await long.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  it("keeps immutable versions and photos for good: still served with the node stopped", async () => {
    const photo = await fetch(`${nginx.url}/api/media`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/octet-stream" },
      body: new Uint8Array(await noisyJpeg(640, 480)),
    });
    expect(photo.status).toBe(201);
    const { id } = (await photo.json()) as { id: string };
    const immutable = [`/api/stories/${storyId}?version=2`, `/media/${id}/480.webp`, `/media/${id}/960.jpeg`];
    const bodies = new Map<string, Buffer>();
    for (const path of immutable) {
      const first = await fetch(nginx.url + path);
      bodies.set(path, Buffer.from(await first.arrayBuffer()));
      expect(first.status, path).toBe(200);
      expect(first.headers.get("cache-control"), path).toContain("immutable");
    }
    await stopChild(node.process);
    for (const path of immutable) {
      const kept = await fetch(nginx.url + path);
      expect(kept.status, path).toBe(200);
      expect(kept.headers.get("x-cache-status"), path).toBe("HIT");
      expect(Buffer.from(await kept.arrayBuffer()).equals(bodies.get(path)!), path).toBe(true);
    }
  });
});
