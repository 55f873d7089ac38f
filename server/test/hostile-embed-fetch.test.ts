/**
 * A platform's oEmbed answer is a stranger's: the server fetches what it names only as
 * server/embeds/guarded-fetch.ts allows (issue 34). A redirect off the endpoint's host, a
 * thumbnail on a name that resolves to a loopback address, on another private or loopback address,
 * a huge answer, a slow one, a huge or fake thumbnail and a hostile title: each leaves the embed a
 * plain (or picture-less) card, never reaches the address, never holds up the write for long.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMBED_METADATA_LIMITS } from "../../shared/media.js";
import { guardedGet } from "../embeds/guarded-fetch.js";
import { isPublicAddress } from "../embeds/public-address.js";
import { startServer, UNTHROTTLED, type TestServer } from "./harness.js";
import { startOembedStandIn, video, videoUrl, type OembedStandIn } from "./oembed-stand-in.js";

const STORY = "hostile-embeds";
let dir: string;
let platform: OembedStandIn;
/** Another loopback address, not on EMBED_FETCH_ALLOW: nothing may reach it. */
let elsewhere: OembedStandIn;
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "oembed-hostile-"));
  elsewhere = await startOembedStandIn(join(dir), {}, "127.0.0.2");
  const port = new URL(elsewhere.base).port;
  platform = await startOembedStandIn(dir, {
    // Off the endpoint's host: to a loopback address by another name, and to the other address.
    redirectoff: (_req, res, base) => void res.writeHead(302, { location: `http://localhost:${new URL(base).port}/thumb.jpg` }).end(),
    redirect127: (_req, res) => void res.writeHead(302, { location: `${elsewhere.base}/oembed?url=x` }).end(),
    // A name that resolves to 127.0.0.1 (and is not on the allow list); a private address; cloud metadata.
    dnsprivate1: video({ title: "Named", thumbnail_url: `http://localhost:${port}/thumb.jpg` }),
    loopback002: video({ title: "Other loopback", thumbnail_url: `${elsewhere.base}/thumb.jpg` }),
    metadata169: video({ title: "Metadata", thumbnail_url: "http://169.254.169.254/latest/meta-data/" }),
    privatehttp: video({ title: "Plain http", thumbnail_url: "http://10.0.0.1/thumb.jpg" }),
    hugeanswer1: (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"title":"');
      const chunk = "a".repeat(64 * 1024);
      let sent = 0;
      const more = () => {
        while (sent < 200 && res.write(chunk)) sent++;
        if (sent < 200 && !res.destroyed) res.once("drain", more);
        else res.end('"}');
      };
      more();
    },
    slowanswer1: (_req, res) => void setTimeout(() => video({ title: "Too late" })(_req, res, ""), 20_000),
    fakethumb01: (_req, res, base) => video({ title: "Fake picture", thumbnail_url: `${base}/oembed?url=${encodeURIComponent(videoUrl("hostiletitl"))}` })(_req, res, base),
    hostiletitl: video({ title: `Breaking\u0000\u001b[31m\u2028news ${"é".repeat(1000)}\ud800`, author_name: "\u202eevil\u0007" }),
  });
  server = await startServer({ env: { ...UNTHROTTLED, ...platform.env } });
  expect((await server.api("/api/stories", { body: { id: STORY, title: "Hostile embeds" } })).status).toBe(201);
});
afterAll(async () => {
  await server?.close();
  await platform?.close();
  await elsewhere?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Saves an entry embedding the stand-in's video `id`; the write's time and its embed. */
async function save(id: string): Promise<{ ms: number; embed: Record<string, unknown> }> {
  const started = performance.now();
  const res = await server.api(`/api/stories/${STORY}/entries`, { body: { body: `Embed ${id}.`, media: [{ type: "embed", url: videoUrl(id) }] } });
  const ms = performance.now() - started;
  expect(res.status, await res.clone().text()).toBe(201);
  return { ms, embed: ((await res.json()) as { entry: { media: Record<string, unknown>[] } }).entry.media[0]! };
}

const plain = (id: string) => ({ type: "embed", provider: "youtube", url: videoUrl(id) });

describe("SSRF through an embed's oEmbed", () => {
  it("follows no redirect off the endpoint's host, to another name or another loopback address", async () => {
    expect((await save("redirectoff")).embed).toEqual(plain("redirectoff"));
    expect((await save("redirect127")).embed).toEqual(plain("redirect127"));
    expect(platform.requests.filter((path) => path === "/thumb.jpg")).toEqual([]);
    expect(elsewhere.requests).toEqual([]);
  });

  it("fetches no thumbnail on a name resolving to loopback, another loopback address, a private one or cloud metadata; the title stays", async () => {
    expect((await save("dnsprivate1")).embed).toEqual({ ...plain("dnsprivate1"), title: "Named" });
    expect((await save("loopback002")).embed).toEqual({ ...plain("loopback002"), title: "Other loopback" });
    expect((await save("metadata169")).embed).toEqual({ ...plain("metadata169"), title: "Metadata" });
    expect((await save("privatehttp")).embed).toEqual({ ...plain("privatehttp"), title: "Plain http" });
    expect(elsewhere.requests).toEqual([]);
    expect(platform.requests.filter((path) => path === "/thumb.jpg")).toEqual([]);
  });

  it("drops a huge answer and does not wait for a slow one: the write is saved within seconds", async () => {
    const huge = await save("hugeanswer1");
    expect(huge.embed).toEqual(plain("hugeanswer1"));
    const slow = await save("slowanswer1");
    expect(slow.embed).toEqual(plain("slowanswer1"));
    expect(slow.ms).toBeLessThan(5000);
  }, 30_000);

  it("stores no picture that is not an image, and makes a hostile title one plain, bounded line", async () => {
    expect((await save("fakethumb01")).embed).toEqual({ ...plain("fakethumb01"), title: "Fake picture" });
    const { embed } = await save("hostiletitl");
    const title = embed.title as string;
    expect(title.length).toBeLessThanOrEqual(EMBED_METADATA_LIMITS.title);
    expect(title).toMatch(/^Breaking \[31m news é+$/);
    expect(embed.author).toBe("\u202eevil");
  });
});

describe("the guarded fetcher", () => {
  const rules = (allow: string[] = []) => ({ allow: new Set(allow), maxBytes: 1024, accept: "*/*", signal: AbortSignal.timeout(2000) });

  it("refuses plain http, another port, credentials and non-public addresses unless the host is allowed", async () => {
    await expect(guardedGet(new URL("http://example.com/"), rules())).rejects.toThrow("not https");
    await expect(guardedGet(new URL("https://example.com:8443/"), rules())).rejects.toThrow("not the default port");
    await expect(guardedGet(new URL("https://user:pw@example.com/"), rules())).rejects.toThrow("credentials");
    await expect(guardedGet(new URL("https://127.0.0.1/"), rules())).rejects.toThrow("not a public address");
    await expect(guardedGet(new URL("https://[::ffff:127.0.0.1]/"), rules())).rejects.toThrow("not a public address");
    await expect(guardedGet(new URL("https://localhost/"), rules())).rejects.toThrow("not a public address");
    await expect(guardedGet(new URL(`${platform.base}/thumb.jpg`), rules(["127.0.0.1"]))).rejects.toThrow("over 1024 bytes");
  });

  it("connects to the address it resolved and judged, for a name on the allow list", async () => {
    const before = platform.requests.length;
    const { body, contentType } = await guardedGet(new URL(`http://localhost:${new URL(platform.base).port}/thumb.jpg`), { ...rules(["localhost"]), maxBytes: 1024 * 1024 });
    expect(contentType).toBe("image/jpeg");
    expect(body.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(platform.requests.slice(before)).toEqual(["/thumb.jpg"]);
  });

  it("knows the private, loopback, link-local and mapped ranges from public addresses", () => {
    for (const address of ["127.0.0.1", "10.1.2.3", "172.31.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::1"]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ["93.184.216.34", "8.8.8.8", "2606:4700::1111"]) expect(isPublicAddress(address), address).toBe(true);
    expect(isPublicAddress("not-an-address")).toBe(false);
  });
});
