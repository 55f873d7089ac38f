/**
 * The shipped nginx configuration in front of two nodes on PostgreSQL and Redis: readers through
 * the proxy follow every version in order whichever node the editor writes through, and the
 * proxy's cache holds pages the two nodes render alike.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../shared/story.js";
import { nginxMissing } from "./nginx.js";
import { connectedSockets, useProxiedNodes } from "./proxied-nodes.js";
import { adminApi, pageSnapshot, postEntry, recordingReader, until, type RecordingReader } from "./proxied-readers.js";
import { requireService } from "./services.js";

const ready = !nginxMissing && (await requireService("postgres")) && (await requireService("redis"));

describe.skipIf(!ready)("nginx in front of two nodes on PostgreSQL and Redis", { timeout: 60_000 }, () => {
  const { cluster } = useProxiedNodes("lt_nginx_two");
  const readers: RecordingReader[] = [];
  let storyId: string;
  afterAll(() => {
    for (const reader of readers) reader.socket.close();
  });

  it("readers through the proxy, over WebSocket and long-polling, get every update in order whichever node is written to", async () => {
    const created = await adminApi(cluster.nginx.url, "/api/stories", { title: "Two nodes, one proxy" });
    expect(created.status).toBe(201);
    storyId = ((await created.json()) as Snapshot).id;
    // Readers from 16 client addresses, over WebSocket and long-polling: nginx spreads the
    // addresses over both nodes, and each reader stays on its node.
    const addresses = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`);
    for (const localAddress of addresses) {
      readers.push(recordingReader(cluster.nginx.url, storyId, { transports: ["websocket"], localAddress }));
      readers.push(recordingReader(cluster.nginx.url, storyId, { transports: ["polling"], view: "latest", localAddress }));
    }
    await until(() => readers.every((reader) => reader.versions.length > 0), "every reader's first snapshot");
    const counts = await Promise.all(cluster.nodes.map(connectedSockets));
    expect(counts[0]! + counts[1]!).toBe(readers.length);
    expect(Math.min(...counts), `sockets per node: ${counts}`).toBeGreaterThan(0);

    let last = 0;
    for (let i = 0; i < 12; i++) {
      const through = [cluster.nodes[0]!.url, cluster.nodes[1]!.url, cluster.nginx.url][i % 3]!;
      last = await postEntry(through, storyId, `Update ${i + 1}, written through ${i % 3 === 2 ? "the proxy" : `node ${(i % 3) + 1}`}`);
    }
    await until(() => readers.every((reader) => reader.follow.follower.version === last), "every reader at the last version");
    const views = await Promise.all(["full", "latest"].map(async (view) => (await adminApi(cluster.nodes[0]!.url, `/api/stories/${storyId}?view=${view}`)).json()));
    for (const [i, reader] of readers.entries()) {
      expect(reader.gapless()).toBe(true);
      expect(reader.socket.io.engine.transport.name).toBe(i % 2 === 0 ? "websocket" : "polling");
      expect(reader.follow.follower.snapshot).toEqual(views[i % 2]);
    }
  });

  it("keeps one copy of a page both nodes render alike, and its reader catches up from a write on either node", async () => {
    const path = `/stories/${storyId}`;
    const direct = await Promise.all(cluster.nodes.map((node) => fetch(node.url + path)));
    expect(direct[0]!.headers.get("etag")).toBe(direct[1]!.headers.get("etag"));
    await fetch(cluster.nginx.url + path).then((res) => res.arrayBuffer());
    const kept = await fetch(cluster.nginx.url + path);
    expect(kept.headers.get("x-cache-status")).toBe("HIT");
    const cached = pageSnapshot(await kept.text());

    const reader = recordingReader(cluster.nginx.url, storyId, { initial: cached, view: "latest" });
    readers.push(reader);
    const onA = await postEntry(cluster.nodes[0]!.url, storyId, "Written through the first node");
    const onB = await postEntry(cluster.nodes[1]!.url, storyId, "Written through the second node");
    expect(onB).toBe(onA + 1);
    await until(() => reader.follow.follower.version === onB, "the cached page's reader at the newest version");
    expect(reader.via.every((how) => how === "patch")).toBe(true);
    expect(reader.gapless()).toBe(true);
  });

  it("keeps /metrics closed through the proxy while each node answers its own host", async () => {
    expect((await fetch(`${cluster.nginx.url}/metrics`)).status).toBe(403);
    for (const node of cluster.nodes) expect((await fetch(`${node.url}/metrics`)).status).toBe(200);
  });
});
