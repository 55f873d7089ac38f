/**
 * SITE_LANGUAGE (DESIGN.md §2): pages that belong to no story (the story list, a 404, the desk's
 * sign-in page) speak the site's language, whatever the reader's browser asks for, so they are
 * the same bytes for everyone. Needs `npm run build` (npm test builds first).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../test/harness.js";

const get = async (server: TestServer, path: string, acceptLanguage: string) => {
  const res = await fetch(server.url + path, { headers: { "accept-language": acceptLanguage } });
  return { status: res.status, html: await res.text() };
};

describe("SITE_LANGUAGE", () => {
  let arabic: TestServer;
  let english: TestServer;
  beforeAll(async () => {
    [arabic, english] = await Promise.all([startServer({ pages: true, env: { SITE_LANGUAGE: "ar" } }), startServer({ pages: true })]);
    await arabic.api("/api/stories", { body: { id: "night", title: "Night strikes" } });
  });
  afterAll(() => Promise.all([arabic?.close(), english?.close()]));

  it.each([
    ["the story list", "/", 200, "تغطيات مباشرة"],
    ["an unknown story", "/stories/nope", 404, "لم نجد هذه القصة. إليك ما نغطيه الآن."],
    ["a page past a story's last", "/stories/night?page=9", 404, "هذه الصفحة من القصة غير موجودة (صفحاتها أقل). إليك ما نغطيه الآن."],
    ["an update the story never had", "/stories/night/updates/e_nope1234", 404, "لم نجد هذا التحديث. إليك ما نغطيه الآن."],
  ])("%s speaks the site's language, right to left, the same for every browser", async (_name, path, status, words) => {
    const [uk, en] = await Promise.all([get(arabic, path, "uk-UA,uk;q=0.9"), get(arabic, path, "en-US")]);
    expect(uk.status).toBe(status);
    expect(uk.html).toBe(en.html);
    expect(uk.html).toMatch(/<html lang="ar" dir="rtl"/);
    expect(uk.html).toContain(words);
    // The story's own title stays as it was written, set apart from the Arabic around it.
    if (status === 200) expect(uk.html).toMatch(/<bdi class="title">Night strikes<\/bdi>/);
    expect(uk.html).not.toMatch(/Live coverage|Story not found|Updated/);
  });

  it("gives the desk's sign-in page the site's language, which the desk then speaks until someone signs in", async () => {
    const { html } = await get(arabic, "/editor", "en-US");
    expect(html).toMatch(/<html lang="ar" dir="rtl"/);
    expect(html).toContain("<title>تسجيل الدخول · مكتب تحرير live-ticker</title>");
  });

  it("is English by default", async () => {
    const { html } = await get(english, "/", "ar");
    expect(html).toMatch(/<html lang="en" dir="ltr"/);
    expect(html).toContain("Live coverage");
  });
});
