/**
 * Photos and embeds end to end over HTTP (issue 14): upload, clean, store, serve, and use in
 * entries and drafts. Hostile uploads are in hostile-uploads.test.ts.
 */
import { randomBytes } from "node:crypto";
import exifr from "exifr";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UploadedMedia } from "../../shared/api.js";
import { mediaPath, mediaVariants, MEDIA_FORMATS, type MediaItem } from "../../shared/media.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import type { PatchOp } from "../../shared/patch.js";
import { secretHash } from "../auth/secrets.js";
import { createAccount } from "../auth/accounts-service.js";
import { startServer, TOKEN, UNTHROTTLED, type TestServer } from "./harness.js";
import { expectError } from "./hostile-assertions.js";
import { noisyJpeg, png, SOURCE, sourcePhoto } from "./images.js";

const STORY = "media-story";
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ env: UNTHROTTLED });
  expect((await server.api("/api/stories", { body: { id: STORY, title: "Photos" } })).status).toBe(201);
});
afterAll(async () => {
  await server?.close();
});

const upload = (bytes: Buffer, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/octet-stream", ...headers }, body: new Uint8Array(bytes) });

async function uploaded(bytes: Buffer): Promise<UploadedMedia> {
  const res = await upload(bytes);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as UploadedMedia;
}

let contributor: string | undefined;
/** An API token of a contributor account (drafts belong to accounts). */
async function contributorToken(): Promise<string> {
  if (contributor) return contributor;
  const { user } = await createAccount(server.app.store.accounts, "media-contributor", "contributor");
  await server.app.store.accounts.updateUser(user.id, { mustChangePassword: false });
  contributor = `lt_${randomBytes(32).toString("base64url")}`;
  await server.app.store.accounts.createToken({ id: "t_media", name: "desk", ownerId: user.id, scopes: ["write"], createdAt: new Date().toISOString() }, secretHash(contributor));
  return contributor;
}

const variantUrl = (id: string, name: number, format: string) => `${server.url}/media/${id}/${name}.${format}`;

describe("POST /api/media and GET /media", () => {
  it("strips EXIF GPS, the Artist and XMP from every variant of a source's photo", async () => {
    const original = await sourcePhoto(2000, 1500);
    // The test photo really carries what must not leave the server.
    const before = await exifr.parse(original, { gps: true, xmp: true, tiff: true });
    expect(before).toMatchObject({ Artist: SOURCE.artist, GPSLatitudeRef: "N", latitude: expect.any(Number) });
    expect(original.includes(SOURCE.xmpCreator)).toBe(true);

    const image = await uploaded(original);
    expect(image).toEqual({ id: expect.stringMatching(/^m_[0-9a-f]{32}$/), width: 2000, height: 1500, placeholder: expect.stringMatching(/^#[0-9a-f]{6}$/) });
    const variants = mediaVariants(image.width, image.height);
    expect(variants.map((v) => v.name)).toEqual([480, 960, 1600]);
    for (const variant of variants) {
      for (const format of MEDIA_FORMATS) {
        const res = await fetch(variantUrl(image.id, variant.name, format));
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe(`image/${format}`);
        const bytes = Buffer.from(await res.arrayBuffer());
        const served = await sharp(bytes).metadata();
        expect([served.format === "heif" ? "avif" : served.format, served.width, served.height]).toEqual([format, variant.width, variant.height]);
        expect(served.exif, `${variant.name}.${format} has no EXIF`).toBeUndefined();
        expect(served.xmp, `${variant.name}.${format} has no XMP`).toBeUndefined();
        expect(served.iptc).toBeUndefined();
        // A maintained EXIF reader finds neither where the source stood nor who they are.
        const parsed = (await exifr.parse(bytes, { gps: true, xmp: true, iptc: true, tiff: true, ifd1: true }).catch(() => undefined)) as Record<string, unknown> | undefined;
        expect(parsed?.latitude).toBeUndefined();
        expect(parsed?.GPSLatitude).toBeUndefined();
        expect(parsed?.Artist).toBeUndefined();
        expect(JSON.stringify(parsed ?? {})).not.toContain(SOURCE.artist);
        for (const secret of [SOURCE.artist, SOURCE.xmpCreator, "PhoneMaker"]) expect(bytes.includes(secret), `${secret} in ${variant.name}.${format}`).toBe(false);
      }
    }
  });

  it("turns a photo upright by its EXIF orientation: Orientation=6 swaps width and height", async () => {
    const original = await sourcePhoto(1200, 800, 6);
    expect((await sharp(original).metadata()).orientation).toBe(6);
    const image = await uploaded(original);
    expect([image.width, image.height]).toEqual([800, 1200]);
    const served = await sharp(Buffer.from(await (await fetch(variantUrl(image.id, 960, "jpeg"))).arrayBuffer())).metadata();
    expect([served.width, served.height, served.orientation]).toEqual([800, 1200, undefined]);
  });

  it("stores the same bytes once: a second upload answers with the same image", async () => {
    const bytes = await noisyJpeg(400, 300);
    const first = await uploaded(bytes);
    const second = await uploaded(bytes);
    expect(second).toEqual(first);
    // A small photo is never upscaled: it has one variant, at its own size.
    expect((await sharp(Buffer.from(await (await fetch(variantUrl(first.id, 480, "webp"))).arrayBuffer())).metadata()).width).toBe(400);
    expect((await fetch(variantUrl(first.id, 960, "webp"))).status).toBe(404);
  });

  it("takes PNG (with transparency), WebP, AVIF and the first frame of a GIF, whatever Content-Type says", async () => {
    const sources = [
      await png(640, 480, true),
      await sharp(await noisyJpeg(300, 200)).webp().toBuffer(),
      await sharp(await noisyJpeg(300, 200)).avif().toBuffer(),
      await sharp(await noisyJpeg(300, 200)).gif().toBuffer(),
    ];
    for (const bytes of sources) {
      const res = await upload(bytes, { "content-type": "text/plain" });
      expect(res.status, await res.clone().text()).toBe(201);
      const image = (await res.json()) as UploadedMedia;
      expect((await fetch(variantUrl(image.id, 480, "jpeg"))).status).toBe(200);
    }
  });

  it("serves variants immutable, with an ETag, 304 on If-None-Match, loadable from other sites, 404 for what does not exist", async () => {
    const image = await uploaded(await noisyJpeg(900, 600)); // variants 480 and 960 (900 px wide): no 1600
    const res = await fetch(variantUrl(image.id, 960, "avif"));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(res.headers.get("content-encoding")).toBeNull();
    const etag = res.headers.get("etag")!;
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(variantUrl(image.id, 960, "avif"), { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect((await fetch(variantUrl(image.id, 960, "avif"), { method: "HEAD" })).headers.get("content-length")).toBe(res.headers.get("content-length"));

    const unknown = "m_" + "0".repeat(32);
    for (const path of [`/media/${unknown}/480.jpeg`, `/media/${image.id}/481.jpeg`, `/media/${image.id}/1600.jpeg`, `/media/${image.id}/480.png`, `/media/${image.id}/480.jpg`, `/media/nope/480.jpeg`, `/media/${image.id}/480`]) {
      await expectError(await fetch(server.url + path), 404, "media_not_found");
    }
  });

  it("needs a signed-in writer: no credentials are 401, a contributor may upload", async () => {
    await expectError(await fetch(`${server.url}/api/media`, { method: "POST", body: new Uint8Array(await noisyJpeg(100, 100)) }), 401, "unauthorized");
    const res = await fetch(`${server.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${await contributorToken()}` }, body: new Uint8Array(await noisyJpeg(120, 90)) });
    expect(res.status, await res.clone().text()).toBe(201);
  });
});

describe("entries with media", () => {
  let photos: UploadedMedia[];
  beforeAll(async () => {
    photos = [await uploaded(await noisyJpeg(1600, 900)), await uploaded(await noisyJpeg(800, 1200)), await uploaded(await png(300, 300))];
  });

  const patchTo = async (from: number, to: number) =>
    ((await (await server.api(`/api/stories/${STORY}/patch?from=${from}&to=${to}`)).json()) as { ops: PatchOp[] }).ops;

  it("fills in each photo's size and placeholder, stores embeds in canonical form, and patches only what changed", async () => {
    const res = await server.api(`/api/stories/${STORY}/entries`, {
      body: {
        body: "Damage after the strike.",
        media: [
          { type: "image", id: photos[0]!.id, alt: "A damaged apartment block", caption: "Kyiv, this morning", credit: "Photo: Desk" },
          { type: "embed", url: "https://youtu.be/dQw4w9WgXcQ?si=tracking" },
        ],
      },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const { entry, version } = (await res.json()) as { entry: Entry; version: number };
    expect(entry.media).toEqual([
      { type: "image", id: photos[0]!.id, alt: "A damaged apartment block", caption: "Kyiv, this morning", credit: "Photo: Desk", width: 1600, height: 900, placeholder: photos[0]!.placeholder },
      { type: "embed", provider: "youtube", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" },
    ] satisfies MediaItem[]);

    // Add a photo at the front and move the video first: a patch about media alone.
    const [image, video] = entry.media!;
    const second = { type: "image" as const, id: photos[1]!.id, alt: "Rescuers at work" };
    const edited = await server.api(`/api/stories/${STORY}/entries/${entry.id}`, { method: "PATCH", body: { media: [video, second, image] } });
    expect(edited.status, await edited.clone().text()).toBe(200);
    const after = ((await edited.json()) as { entry: Entry }).entry;
    expect(after.media!.map((m) => (m.type === "image" ? m.id : m.provider))).toEqual(["youtube", photos[1]!.id, photos[0]!.id]);
    expect(after.media![1]).toMatchObject({ width: 800, height: 1200 });
    const ops = await patchTo(version, version + 1);
    for (const op of ops) expect(op.path === "/version" || op.path.startsWith(`/entries/${entry.id}/media`) || op.path.startsWith(`/entries/${entry.id}/revision`) || op.path === `/entries/${entry.id}/updatedAt` || op.path === "/updatedAt", op.path).toBe(true);

    // Removing every item drops the key.
    const cleared = await server.api(`/api/stories/${STORY}/entries/${entry.id}`, { method: "PATCH", body: { media: [] } });
    expect(((await cleared.json()) as { entry: Entry }).entry.media).toBeUndefined();
    const snapshot = (await (await server.api(`/api/stories/${STORY}`)).json()) as Snapshot;
    expect(snapshot.entries[entry.id]!.media).toBeUndefined();
  });

  it("refuses an unknown photo, a photo without alt text, an unsupported or unsafe link, and more than 10 items", async () => {
    const post = (media: unknown) => server.api(`/api/stories/${STORY}/entries`, { body: { body: "x", media } });
    const unknown = await expectError(await post([{ type: "image", id: "m_" + "f".repeat(32), alt: "A" }]), 400, "unknown_media");
    expect(unknown.details).toEqual({ issues: [{ path: "media.0.id", message: expect.stringContaining("upload") }] });
    const noAlt = await expectError(await post([{ type: "image", id: photos[0]!.id }]), 400, "validation_failed");
    expect(JSON.stringify(noAlt.details)).toContain("media.0.alt");
    const blankAlt = await expectError(await post([{ type: "image", id: photos[0]!.id, alt: "   " }]), 400, "validation_failed");
    expect(JSON.stringify(blankAlt.details)).toContain("media.0.alt");
    for (const url of ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "http://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://example.com/video/1"]) {
      const refused = await expectError(await post([{ type: "embed", url }]), 400, "validation_failed");
      expect(JSON.stringify(refused.details)).toContain("media.0.url");
      expect(JSON.stringify(refused.details)).toContain("YouTube, Vimeo, X, Bluesky, Mastodon, Telegram, Instagram, TikTok, Facebook or Threads");
    }
    await expectError(await post(Array.from({ length: 11 }, () => ({ type: "embed", url: "https://vimeo.com/1" }))), 400, "validation_failed");
  });

  it("carries media through a contributor's draft to the published entry", async () => {
    const asContributor = { authorization: `Bearer ${await contributorToken()}` };
    const created = await server.api(`/api/stories/${STORY}/drafts`, {
      body: { body: "From the scene", media: [{ type: "image", id: photos[2]!.id, alt: "A red square" }] },
      headers: asContributor,
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { draft } = (await created.json()) as { draft: { id: string; media: MediaItem[] } };
    expect(draft.media).toEqual([{ type: "image", id: photos[2]!.id, alt: "A red square", width: 300, height: 300, placeholder: photos[2]!.placeholder }]);
    const edited = await server.api(`/api/stories/${STORY}/drafts/${draft.id}`, {
      method: "PATCH",
      body: { media: [...draft.media, { type: "embed", url: "https://www.instagram.com/reel/C5aBcDeFgHi/?igsh=x" }] },
      headers: asContributor,
    });
    expect(edited.status, await edited.clone().text()).toBe(200);
    const published = await server.api(`/api/stories/${STORY}/drafts/${draft.id}/publish`, { method: "POST" });
    expect(published.status, await published.clone().text()).toBe(201);
    const { entry } = (await published.json()) as { entry: Entry };
    expect(entry.media).toEqual([draft.media[0], { type: "embed", provider: "instagram", url: "https://www.instagram.com/reel/C5aBcDeFgHi/" }]);
  });
});

it("uses mediaPath for the URLs it serves", () => {
  expect(mediaPath("m_" + "a".repeat(32), 480, "jpeg")).toBe(`/media/m_${"a".repeat(32)}/480.jpeg`);
});

describe("the live page's link preview", () => {
  it("names the story's first photo as og:image, with its size and alt text, from PUBLIC_URL", async () => {
    const publicUrl = "https://live.example.org";
    const paged = await startServer({ pages: true, env: { ...UNTHROTTLED, PUBLIC_URL: publicUrl } });
    try {
      await paged.api("/api/stories", { body: { id: "og", title: "Preview" } });
      const page = async () => (await (await fetch(`${paged.url}/stories/og`)).text()).match(/<meta (property|name)="(og:image[^"]*|twitter:card)" content="[^"]*">/g);
      expect(await page()).toEqual(['<meta name="twitter:card" content="summary">']);
      const res = await fetch(`${paged.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: new Uint8Array(await noisyJpeg(1200, 800)) });
      const image = (await res.json()) as UploadedMedia;
      await paged.api("/api/stories/og/entries", { body: { body: "With a photo", media: [{ type: "image", id: image.id, alt: "Firefighters & a crane" }] } });
      expect(await page()).toEqual([
        `<meta property="og:image" content="${publicUrl}/media/${image.id}/960.jpeg">`,
        '<meta property="og:image:type" content="image/jpeg">',
        '<meta property="og:image:width" content="960">',
        '<meta property="og:image:height" content="640">',
        '<meta property="og:image:alt" content="Firefighters &#38; a crane">',
        '<meta name="twitter:card" content="summary_large_image">',
      ]);
    } finally {
      await paged.close();
    }
  });
});
