/**
 * The page of one update (issue 31, DESIGN.md §3): what a shared link opens. Rendered on the
 * server with its own share card (read here by a stock Open Graph parser, open-graph-scraper) and
 * BlogPosting JSON-LD naming the story's LiveBlogPosting; 404 for an unknown entry, 410 once
 * removed; cacheable like the live page. Needs `npm run build` (npm test builds first).
 */
import ogs from "open-graph-scraper";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UploadedMedia } from "../../shared/api.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { rawGet } from "../test/raw-get.js";
import { startServer, TOKEN, type TestServer } from "../test/harness.js";
import { noisyJpeg } from "../test/images.js";

describe("GET /stories/:id/updates/:entryId", () => {
  let server: TestServer;
  let story: Snapshot;
  let photo: UploadedMedia;
  const post = async (body: Record<string, unknown>): Promise<Entry> => {
    const res = await server.api(`/api/stories/${story.id}/entries`, { body });
    expect(res.status).toBe(201);
    return ((await res.json()) as { entry: Entry }).entry;
  };

  beforeAll(async () => {
    server = await startServer({ pages: true });
    story = (await (await server.api("/api/stories", { body: { id: "night-of-sirens", title: "Night of sirens", summary: "Air-raid alerts across the region." } })).json()) as Snapshot;
    const upload = await fetch(`${server.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/octet-stream" }, body: new Uint8Array(await noisyJpeg(1200, 800)) });
    photo = (await upload.json()) as UploadedMedia;
  });
  afterAll(() => server.close());

  it("renders the update with its own share card, as a stock Open Graph parser reads it", async () => {
    const entry = await post({ headline: "Shelter opens at the station", body: "The **metro** station is open as a shelter.\n\nMore below.", media: [{ type: "image", id: photo.id, alt: "People on a platform" }] });
    const res = await rawGet(`${server.url}/stories/${story.id}/updates/${entry.id}`);
    expect(res.status).toBe(200);
    const html = res.body.toString();
    const { result } = await ogs({ html });
    const url = `${server.url}/stories/${story.id}/updates/${entry.id}`;
    expect(result).toMatchObject({
      success: true,
      ogType: "article",
      ogTitle: "Shelter opens at the station",
      ogUrl: url,
      ogDescription: "The metro station is open as a shelter.",
      twitterCard: "summary_large_image",
    });
    expect(result.ogImage?.[0]).toMatchObject({ url: expect.stringMatching(new RegExp(`^${server.url}/media/${photo.id}/\\d+\\.jpeg$`)), alt: "People on a platform" });
    expect(html).toContain(`<link rel="canonical" href="${url}">`);
    expect(html).toContain('<html lang="en" dir="ltr">');
    // The page's content, without any script: the update, its kind and the way back to its place.
    expect(html).toMatch(/<h1[^>]*id="[^"]+-title"[^>]*>Shelter opens at the station(<!---->)?<\/h1>/);
    expect(html).toContain(`href="/stories/${story.id}#${entry.id}"`);
    expect(html).toContain("Back to live coverage");
  });

  it("carries BlogPosting JSON-LD that names the story's LiveBlogPosting", async () => {
    const entry = await post({ body: "A first line without a headline.\n\nAnd a second paragraph.", kind: "breaking" });
    const html = (await rawGet(`${server.url}/stories/${story.id}/updates/${entry.id}`)).body.toString();
    const { result } = await ogs({ html });
    expect(result.jsonLD).toHaveLength(1);
    expect(result.jsonLD![0]).toMatchObject({
      "@context": "https://schema.org",
      "@type": "BlogPosting",
      "@id": `${server.url}/stories/${story.id}/updates/${entry.id}`,
      headline: "A first line without a headline.",
      inLanguage: "en",
      datePublished: entry.createdAt,
      isPartOf: { "@type": "LiveBlogPosting", "@id": `${server.url}/stories/${story.id}`, headline: "Night of sirens" },
    });
    expect(result.twitterCard).toBe("summary");
    expect(html).toContain("Breaking");
    // The live page lists the same posting under the same address.
    const live = (await ogs({ html: (await rawGet(`${server.url}/stories/${story.id}`)).body.toString() })).result.jsonLD![0] as { liveBlogUpdate: { url: string }[] };
    expect(live.liveBlogUpdate.map((update) => update.url)).toContain(`${server.url}/stories/${story.id}/updates/${entry.id}`);
  });

  it("answers 410 with the time for a removed update, 404 for one the story never had, and stays cacheable", async () => {
    const entry = await post({ body: "Posted in error." });
    const first = await rawGet(`${server.url}/stories/${story.id}/updates/${entry.id}`);
    expect(first.headers["cache-control"]).toMatch(/s-maxage=/);
    expect((await rawGet(`${server.url}/stories/${story.id}/updates/${entry.id}`, { "if-none-match": first.headers.etag as string })).status).toBe(304);
    const removed = await server.api(`/api/stories/${story.id}/entries/${entry.id}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    const gone = await rawGet(`${server.url}/stories/${story.id}/updates/${entry.id}`);
    expect(gone.status).toBe(410);
    const html = gone.body.toString();
    expect(html).toMatch(/This update was removed \u2068[^\u2069]+UTC\u2069\./);
    expect(html).not.toContain("Posted in error.");
    expect(html).toContain('<meta name="robots" content="noindex">');
    expect(gone.headers.etag).not.toBe(first.headers.etag);

    for (const path of [`/stories/${story.id}/updates/e_neverthere`, `/stories/${story.id}/updates/not-an-id`, `/stories/no-such-story/updates/${entry.id}`]) {
      const res = await rawGet(server.url + path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.headers["cache-control"]).toBe("no-cache");
    }
  });

  it("links the update to its numbered page when the live page no longer holds it", async () => {
    const old = await post({ body: "An early update." });
    const batch = await server.api(`/api/stories/${story.id}/entries/batch`, { body: { entries: Array.from({ length: 60 }, (_, n) => ({ body: `Later update ${n}.` })) } });
    expect(batch.status).toBe(201);
    const html = (await rawGet(`${server.url}/stories/${story.id}/updates/${old.id}`)).body.toString();
    expect(html).toContain(`href="/stories/${story.id}?page=2#${old.id}"`);
    expect((await rawGet(`${server.url}/stories/${story.id}?page=2`)).body.toString()).toContain(`id="${old.id}"`);
  });

  it("answers oEmbed for an update's URL with a quote of that update", async () => {
    const entry = await post({ headline: "Power back in the east", body: "Crews restored <power> to 40,000 homes." });
    const url = `${server.url}/stories/${story.id}/updates/${entry.id}`;
    const res = await fetch(`${server.url}/oembed?url=${encodeURIComponent(url)}`);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { type: string; title: string; html: string; height: number };
    expect(answer).toMatchObject({ version: "1.0", type: "rich", title: "Power back in the east", width: 600, height: 240 });
    expect(answer.html).toContain(`<a href="${url}">Night of sirens</a>`);
    expect(answer.html).toContain("Crews restored &#60;power&#62; to 40,000 homes.");
    expect(answer.html).not.toMatch(/<script|<iframe/);
    const missing = await fetch(`${server.url}/oembed?url=${encodeURIComponent(`${server.url}/stories/${story.id}/updates/e_neverthere`)}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("entry_not_found");
  });

  it("speaks the story's language and direction", async () => {
    const created = await server.api("/api/stories", { body: { id: "ghazze-ar", title: "غارات ليلية", language: "ar" } });
    expect(created.status).toBe(201);
    const res = await server.api("/api/stories/ghazze-ar/entries", { body: { headline: "فتح ملجأ في المحطة", body: "المحطة مفتوحة كملجأ." } });
    const { entry } = (await res.json()) as { entry: Entry };
    const html = (await rawGet(`${server.url}/stories/ghazze-ar/updates/${entry.id}`)).body.toString();
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain("العودة إلى التغطية المباشرة");
    expect(html).toContain("تعديلات هذا التحديث");
    const { result } = await ogs({ html });
    expect(result.ogTitle).toBe("فتح ملجأ في المحطة");
    expect((result.jsonLD![0] as { inLanguage: string }).inLanguage).toBe("ar");
  });
});
