import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { startServer, UNTHROTTLED, type TestServer } from "./harness.js";
import { expectError } from "./hostile-assertions.js";
import { startOembedStandIn, video, videoUrl, type OembedStandIn } from "./oembed-stand-in.js";

/**
 * Issue 34: an embed saved in an entry carries what its platform's oEmbed says (title, author) and
 * a thumbnail proxied into our own media, asked of a stand-in platform on 127.0.0.1 named in an
 * OEMBED_PROVIDERS file; the editor's caption is kept; EMBED_METADATA=off asks nothing.
 */
const STORY = "embed-cards";
let dir: string;
let platform: OembedStandIn;
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "oembed-"));
  platform = await startOembedStandIn(dir, {
    rescuers001: (req, res, base) => video({ title: "Rescuers at the scene", author_name: "Kyiv City", thumbnail_url: `${base}/thumb.jpg` })(req, res, base),
    notitle0001: video({}),
  });
  server = await startServer({ env: { ...UNTHROTTLED, ...platform.env } });
  expect((await server.api("/api/stories", { body: { id: STORY, title: "Embed cards" } })).status).toBe(201);
});
afterAll(async () => {
  await server?.close();
  await platform?.close();
  rmSync(dir, { recursive: true, force: true });
});

const add = async (media: unknown[], target = server) => {
  const res = await target.api(`/api/stories/${STORY}/entries`, { body: { body: "A video from the scene.", media } });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { entry: { id: string; media: Record<string, unknown>[] } }).entry;
};

describe("an embed saved with its platform's description", () => {
  it("keeps the title, the author and the editor's caption, and a thumbnail that is our own photo", async () => {
    const entry = await add([{ type: "embed", url: `https://youtu.be/rescuers001`, caption: "  Footage filmed by the city's rescuers  " }]);
    const [embed] = entry.media;
    expect(embed).toMatchObject({
      type: "embed",
      provider: "youtube",
      url: videoUrl("rescuers001"),
      caption: "Footage filmed by the city's rescuers",
      title: "Rescuers at the scene",
      author: "Kyiv City",
      thumbnail: { id: expect.stringMatching(/^m_[0-9a-f]{32}$/), width: 480, height: 360 },
    });
    // The platform was asked for the canonical link, and the thumbnail fetched once.
    expect(platform.requests.filter((path) => path.startsWith("/oembed"))).toEqual([expect.stringContaining(encodeURIComponent(videoUrl("rescuers001")))]);
    expect(platform.requests.filter((path) => path === "/thumb.jpg")).toHaveLength(1);
    // Served by us, re-encoded, in every format.
    const id = (embed!.thumbnail as { id: string }).id;
    for (const format of ["avif", "webp", "jpeg"]) {
      const res = await fetch(`${server.url}/media/${id}/480.${format}`);
      expect(res.status).toBe(200);
      expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).format).toBe(format === "jpeg" ? "jpeg" : format === "avif" ? "heif" : "webp");
    }
  });

  it("asks nobody again when the same link is saved again, and keeps a caption-less embed without a caption", async () => {
    const before = platform.requests.length;
    const entry = await add([{ type: "embed", url: videoUrl("rescuers001") }]);
    expect(entry.media[0]).toMatchObject({ title: "Rescuers at the scene", thumbnail: expect.any(Object) });
    expect(entry.media[0]).not.toHaveProperty("caption");
    expect(platform.requests.length).toBe(before);
  });

  it("takes an entry's item back as the API gave it, believing only the link and the caption", async () => {
    const entry = await add([{ type: "embed", url: videoUrl("notitle0001"), caption: "First caption" }]);
    const forged = { ...entry.media[0], title: "Forged title", author: "Someone else", thumbnail: { id: `m_${"0".repeat(32)}`, width: 1, height: 1 }, caption: "Second caption" };
    const res = await server.api(`/api/stories/${STORY}/entries/${entry.id}`, { method: "PATCH", body: { media: [forged] } });
    expect(res.status, await res.clone().text()).toBe(200);
    const edited = ((await res.json()) as { entry: { media: Record<string, unknown>[] } }).entry.media[0]!;
    expect(edited).toEqual({ type: "embed", provider: "youtube", url: videoUrl("notitle0001"), caption: "Second caption" });
  });

  it("refuses a caption that is not plain text, naming the field", async () => {
    const res = await server.api(`/api/stories/${STORY}/entries`, { body: { body: "x", media: [{ type: "embed", url: videoUrl("notitle0001"), caption: "a\u0000b" }] } });
    const error = await expectError(res, 400, "validation_failed");
    expect(JSON.stringify(error.details)).toContain("media.0.caption");
  });

  it("loses only the picture when an admin takes the thumbnail down: the card, title and caption stay", async () => {
    const entry = await add([{ type: "embed", url: videoUrl("rescuers001"), caption: "Kept" }]);
    const id = (entry.media[0]!.thumbnail as { id: string }).id;
    expect((await server.api(`/api/media/${id}`, { method: "DELETE" })).status).toBe(200);
    const story = (await (await server.api(`/api/stories/${STORY}`)).json()) as { entries: Record<string, { media: Record<string, unknown>[] }> };
    expect(story.entries[entry.id]!.media[0]).toEqual({ type: "embed", provider: "youtube", url: videoUrl("rescuers001"), caption: "Kept", title: "Rescuers at the scene", author: "Kyiv City" });
    expect((await fetch(`${server.url}/media/${id}/480.jpeg`)).status).toBe(410);
  });
});

describe("EMBED_METADATA=off", () => {
  it("saves the embed as named and asks the platform nothing", async () => {
    const off = await startServer({ env: { ...platform.env, EMBED_METADATA: "off" } });
    try {
      expect((await off.api("/api/stories", { body: { id: STORY, title: "Off" } })).status).toBe(201);
      const before = platform.requests.length;
      const entry = await add([{ type: "embed", url: videoUrl("rescuers001"), caption: "Still captioned" }], off);
      expect(entry.media[0]).toEqual({ type: "embed", provider: "youtube", url: videoUrl("rescuers001"), caption: "Still captioned" });
      expect(platform.requests.length).toBe(before);
    } finally {
      await off.close();
    }
  });

  it("is on or off, and the allow list and providers file are read as the operator wrote them", () => {
    expect(loadConfig({}).embedMetadata).toEqual({ enabled: true, fetchAllow: [] });
    expect(loadConfig({ EMBED_METADATA: "off", EMBED_FETCH_ALLOW: "127.0.0.1, Intranet.Example [::1]", OEMBED_PROVIDERS: "/etc/p.json" }).embedMetadata).toEqual({
      enabled: false,
      providersFile: "/etc/p.json",
      fetchAllow: ["127.0.0.1", "intranet.example", "::1"],
    });
    expect(() => loadConfig({ EMBED_METADATA: "no" })).toThrow("EMBED_METADATA: must be on or off");
  });
});
