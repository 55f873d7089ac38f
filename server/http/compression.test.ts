/**
 * Compression over real HTTP (issue 15, DESIGN.md §6): pages, JSON and feeds in brotli or gzip as
 * the client accepts, built scripts and styles as the build precompressed them, and never images
 * or Socket.IO. Needs `npm run build` (npm test builds first).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../shared/story.js";
import { ASSETS_DIR, DIST_DIR } from "../pages/client-build.js";
import { noisyJpeg } from "../test/images.js";
import { rawGet, type RawResponse } from "../test/raw-get.js";
import { startServer, TOKEN, type TestServer } from "../test/harness.js";

const decode = (res: RawResponse): Buffer =>
  res.headers["content-encoding"] === "br" ? brotliDecompressSync(res.body) : res.headers["content-encoding"] === "gzip" ? gunzipSync(res.body) : res.body;

describe("compression", () => {
  let server: TestServer;
  let story: Snapshot;
  let imagePath: string;

  beforeAll(async () => {
    server = await startServer({ pages: true });
    story = (await (await server.api("/api/stories", { body: { title: "Compressed night", summary: "Everything we know." } })).json()) as Snapshot;
    // Enough text that every response passes the middleware's 1 KB threshold.
    for (let i = 0; i < 6; i++) {
      const body = `Update ${i}: crews are working through the night at the scene, officials say the figures may still change.`;
      expect((await server.api(`/api/stories/${story.id}/entries`, { body: { body, headline: `Update ${i}` } })).status).toBe(201);
    }
    const upload = await fetch(`${server.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: new Uint8Array(await noisyJpeg(600, 400)) });
    expect(upload.status).toBe(201);
    imagePath = `/media/${((await upload.json()) as { id: string }).id}/480.jpeg`;
  });
  afterAll(() => server.close());

  const dynamic = [
    ["the live page", () => `/stories/${story.id}`, /^text\/html/],
    ["the ticker page", () => `/stories/${story.id}/ticker`, /^text\/html/],
    ["the embed page", () => `/embed/${story.id}?layout=list`, /^text\/html/],
    ["the story JSON", () => `/api/stories/${story.id}`, /^application\/json/],
    ["the Atom feed", () => `/stories/${story.id}/feed.atom`, /^application\/atom\+xml/],
    ["the JSON feed", () => `/stories/${story.id}/feed.json`, /^application\/feed\+json/],
  ] as const;

  it.each(dynamic)("%s: br for br, gzip for gzip, identity for neither, the same content each way", async (_name, path, type) => {
    const plain = await rawGet(server.url + path());
    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers["content-type"]).toMatch(type);
    expect(plain.headers.vary).toMatch(/Accept-Encoding/i);
    expect(plain.body.length).toBeGreaterThan(1024);
    for (const [accept, encoding] of [["br", "br"], ["gzip", "gzip"], ["gzip, deflate, br", "br"], ["br;q=0, gzip", "gzip"], ["identity", undefined]] as const) {
      const res = await rawGet(server.url + path(), { "accept-encoding": accept });
      expect([accept, res.headers["content-encoding"]]).toEqual([accept, encoding]);
      expect(res.headers.vary).toMatch(/Accept-Encoding/i);
      if (encoding) expect(res.body.length).toBeLessThan(plain.body.length);
      expect(decode(res).equals(plain.body), accept).toBe(true);
    }
  });

  it("sends built scripts and styles as the build compressed them, with their type and caching", async () => {
    const html = (await rawGet(`${server.url}/stories/${story.id}`)).body.toString();
    const script = /<script type="module" src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const style = /<link rel="stylesheet" href="(\/assets\/[^"]+\.css)"/.exec(html)![1]!;
    for (const [path, file, type] of [
      [script, join(ASSETS_DIR, script), /^text\/javascript/],
      [style, join(ASSETS_DIR, style), /^text\/css/],
      ["/embed.js", join(DIST_DIR, "embed/embed.js"), /^text\/javascript/],
    ] as const) {
      const original = readFileSync(file);
      for (const [accept, encoding] of [["br", "br"], ["gzip", "gzip"], ["gzip, br", "br"], ["", undefined]] as const) {
        const res = await rawGet(server.url + path, accept ? { "accept-encoding": accept } : {});
        expect([path, accept, res.status, res.headers["content-encoding"]]).toEqual([path, accept, 200, encoding]);
        expect(res.headers["content-type"]).toMatch(type);
        expect(res.headers.vary).toMatch(/Accept-Encoding/i);
        expect(decode(res).equals(original), `${path} ${accept}`).toBe(true);
        if (path !== "/embed.js") expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      }
    }
    // An asset that does not exist is still a 404, whatever the encoding asked for.
    expect((await rawGet(`${server.url}/assets/nothing-here.js`, { "accept-encoding": "br" })).status).toBe(404);
  });

  it("never compresses images", async () => {
    for (const accept of ["br", "gzip", "gzip, deflate, br"]) {
      const res = await rawGet(server.url + imagePath, { "accept-encoding": accept });
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("image/jpeg");
      expect(res.headers["content-encoding"]).toBeUndefined();
      expect(res.body.subarray(0, 2).toString("hex")).toBe("ffd8"); // the JPEG itself
    }
  });

  it("never compresses Socket.IO, not even its long-polling answers", async () => {
    // Engine.IO over HTTP long-polling, by hand: open, connect, subscribe, then read the snapshot.
    const poll = `${server.url}/socket.io/?EIO=4&transport=polling`;
    const open = await rawGet(poll, { "accept-encoding": "gzip, br" });
    const sid = (JSON.parse(open.body.toString().slice(1)) as { sid: string }).sid;
    const post = (body: string) => fetch(`${poll}&sid=${sid}`, { method: "POST", body, headers: { "content-type": "text/plain" } });
    expect((await post("40")).status).toBe(200);
    expect((await rawGet(`${poll}&sid=${sid}`)).body.toString()).toMatch(/^40\{"sid":/);
    expect((await post(`420${JSON.stringify(["subscribe", { storyId: story.id, protocol: 1 }])}`)).status).toBe(200);
    let received = "";
    for (let i = 0; i < 5 && !received.includes('"snapshot"'); i++) {
      const res = await rawGet(`${poll}&sid=${sid}`, { "accept-encoding": "gzip, deflate, br" });
      expect(res.headers["content-encoding"]).toBeUndefined();
      received += res.body.toString();
    }
    // The snapshot is well past any compression threshold, and it came as plain text.
    expect(received).toContain(`["snapshot",{"storyId":"${story.id}"`);
    expect(received.length).toBeGreaterThan(2048);
  });
});
