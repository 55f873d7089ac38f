import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./harness.js";

/** A story's language on everything the server writes for it, without a browser. */
describe("a story's language in pages, feeds, JSON-LD and oEmbed", () => {
  let server: TestServer;
  const get = async (path: string) => (await fetch(`${server.url}${path}`)).text();

  beforeAll(async () => {
    server = await startServer({ pages: true });
    for (const [id, title, language] of [
      ["kyiv-uk", "Удари по Києву", "uk"],
      ["kyiv-ar", "ضربات على كييف", "ar"],
      ["kyiv-he", "תקיפות בקייב", "he-IL"],
    ]) {
      await server.api("/api/stories", { body: { id, title, language } });
      await server.api(`/api/stories/${id}/entries`, { body: { body: "…", headline: title } });
    }
  });
  afterAll(() => server.close());

  it.each([
    ["kyiv-uk", "uk", "ltr"],
    ["kyiv-ar", "ar", "rtl"],
    ["kyiv-he", "he-IL", "rtl"],
  ])("%s: <html lang dir> on every page, xml:lang and language in the feeds, inLanguage in JSON-LD", async (id, lang, dir) => {
    for (const path of [`/stories/${id}`, `/stories/${id}/history`, `/stories/${id}/ticker`, `/embed/${id}`, `/embed/${id}?layout=list`]) {
      expect(await get(path), path).toContain(`<html lang="${lang}" dir="${dir}"`);
    }
    const live = await get(`/stories/${id}`);
    const jsonLd = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(live)![1]!) as { inLanguage: string };
    expect(jsonLd.inLanguage).toBe(lang);
    expect(await get(`/stories/${id}/feed.atom`)).toMatch(new RegExp(`<feed [^>]*xml:lang="${lang}"`));
    expect(((await (await fetch(`${server.url}/stories/${id}/feed.json`)).json()) as { language: string }).language).toBe(lang);
  });

  it("writes the oEmbed snippet's link in the story's language and direction, and the pages' titles in its words", async () => {
    const oembed = async (id: string) =>
      ((await (await fetch(`${server.url}/oembed?url=${encodeURIComponent(`${server.url}/stories/${id}`)}`)).json()) as { html: string }).html;
    expect(await oembed("kyiv-uk")).toContain(`lang="uk" dir="ltr"><a href="${server.url}/stories/kyiv-uk">Наживо: Удари по Києву</a>`);
    expect(await oembed("kyiv-ar")).toContain(`lang="ar" dir="rtl"><a href="${server.url}/stories/kyiv-ar">مباشر: ضربات على كييف</a>`);
    expect(await get("/stories/kyiv-ar/history")).toContain("<title>السجل: ضربات على كييف</title>");
    expect(await get("/stories/kyiv-uk/history")).toContain("<title>Історія: Удари по Києву</title>");
    expect(await get("/stories/kyiv-uk/ticker")).toContain("<title>Удари по Києву: стрічка</title>");
    expect(await get("/embed/kyiv-uk")).toContain("<title>Наживо: Удари по Києву</title>");
  });

  it("marks the English words of a language without a catalog as English, left to right, and those of one with a catalog not at all", async () => {
    // Hebrew has no catalog: the words are English, each element of them says so.
    for (const path of ["/stories/kyiv-he", "/stories/kyiv-he/history", "/stories/kyiv-he/ticker", "/embed/kyiv-he?layout=list"]) {
      const html = await get(path);
      expect(html, path).toMatch(/ lang="en" dir="ltr"/);
    }
    expect(await get("/stories/kyiv-he")).toContain('<span class="badge badge-live" lang="en" dir="ltr">Live</span>');
    expect(await get("/stories/kyiv-he")).toMatch(/<h2 id="stream-title" lang="en" dir="ltr">Latest updates<\/h2>/);
    // The story's own words are never marked: its title keeps the page's language.
    expect(await get("/stories/kyiv-he")).toMatch(/<h1 dir="auto">תקיפות בקייב<\/h1>/);
    for (const id of ["kyiv-ar", "kyiv-uk"]) {
      for (const path of [`/stories/${id}`, `/stories/${id}/history`, `/stories/${id}/ticker`, `/embed/${id}?layout=list`]) expect(await get(path), path).not.toContain('lang="en"');
    }
  });
});
