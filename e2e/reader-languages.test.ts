import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../shared/story.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot } from "./browser.js";
import { uploadPhoto } from "./photos.js";

/** The latest view's size: the smallest allowed, so that a story of a dozen entries has a page 2. */
const VIEW = 10;
const DEVICES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

/**
 * Every reader surface, with what says it is ready: hydrated and connected where it has a script
 * (the clock has moved from the server's UTC to the reader's zone), rendered where it has none.
 */
const SURFACES = {
  live: { path: (id: string) => `/stories/${id}`, ready: '[data-status="live"]', shots: true },
  older: { path: (id: string) => `/stories/${id}?page=2`, ready: ".pagination", shots: true },
  history: { path: (id: string) => `/stories/${id}/history`, ready: ".history-page .versions", shots: true },
  ticker: { path: (id: string) => `/stories/${id}/ticker`, ready: '.ticker[data-connection="live"]', shots: true },
  "embed-strip": { path: (id: string) => `/embed/${id}`, ready: '.ticker[data-connection="live"]', shots: true },
  "embed-list": { path: (id: string) => `/embed/${id}?layout=list`, ready: ".embed-list", shots: true },
} as const;

/** The English catalog's words, each a run of text between placeholders: none may show on a Ukrainian page. */
const ENGLISH = Object.entries(JSON.parse(readFileSync(join(import.meta.dirname, "../client/i18n/messages/en.json"), "utf8")) as Record<string, unknown>)
  .flatMap(([key, message]) => (key === "$schema" ? [] : typeof message === "string" ? [message] : Object.values((message as [{ match: Record<string, string> }])[0].match)))
  .flatMap((pattern) => pattern.split(/\{\w+\}/))
  .map((fragment) => fragment.replace(/^[\s:;,.()“”"→←…·-]+|[\s:;,.()“”"→←…·-]+$/g, ""))
  .filter((fragment) => /\p{L}{2}/u.test(fragment));

/**
 * What a reader sees or hears of the page's interface: its text, its labels and titles, the tab's
 * title; the history's version lines too, which say each change in the page's language. Less what
 * is marked English (`lang="en"`): the honest fallback of a language without a catalog.
 */
const interfaceText = (page: Page) =>
  page.evaluate(() => {
    const english = (element: Element) => element !== document.documentElement && element.closest("[lang]")?.getAttribute("lang")?.startsWith("en") === true;
    const marked = [...document.body.querySelectorAll('[lang^="en"]')] as HTMLElement[];
    const shown = marked.map((element) => element.style.display);
    for (const element of marked) element.style.display = "none";
    const text = document.body.innerText;
    for (const [index, element] of marked.entries()) element.style.display = shown[index]!;
    return [
      document.title,
      text,
      ...[...document.querySelectorAll("[aria-label], [title]")].filter((element) => !english(element)).flatMap((element) => [element.getAttribute("aria-label") ?? "", element.getAttribute("title") ?? ""]),
      ...[...document.querySelectorAll(".visually-hidden")].filter((element) => !english(element)).map((element) => element.textContent ?? ""),
    ].join("\n");
  });

/** English catalog words in `text`, as whole words. */
const englishIn = (text: string) => ENGLISH.filter((fragment) => new RegExp(`(?<!\\p{L})${fragment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?!\\p{L})`, "iu").test(text));

const timesSettled = (page: Page) => page.locator("time").evaluateAll((times) => times.length > 0 && times.every((time) => !time.textContent?.includes("UTC")));

describe.skipIf(browserMissing)("reader surfaces in Ukrainian and in Arabic (right to left)", () => {
  let server: TestServer;
  let browser: Browser;
  const stories: Record<"uk" | "ar" | "fa", Snapshot> = {} as never;

  const post = (story: Snapshot, body: Record<string, unknown>) => server.api(`/api/stories/${story.id}/entries`, { body });

  beforeAll(async () => {
    server = await startServer({ pages: true, env: { LATEST_VIEW_ENTRIES: String(VIEW) } });
    browser = await launchBrowser();
    const create = async (body: Record<string, unknown>) => (await (await server.api("/api/stories", { body })).json()) as Snapshot;
    stories.uk = await create({ id: "kyiv-uk", title: "Удари по Києву", summary: "Нічна атака на столицю", language: "uk" });
    stories.ar = await create({ id: "kyiv-ar", title: "ضربات على كييف", summary: "هجوم ليلي على العاصمة", language: "ar" });
    // Persian has no catalog: its pages fall back to English words, marked as English.
    stories.fa = await create({ id: "kyiv-fa", title: "حمله به کی‌یف", summary: "حمله شبانه به پایتخت", language: "fa" });
    // A dozen entries each: more than the latest view holds, so "Show older updates" and page 2 exist.
    for (let n = 1; n <= VIEW + 2; n++) {
      await post(stories.uk, { body: `Рятувальники працюють на місці, повідомлення ${n}.`, headline: `Оновлення номер ${n}` });
      await post(stories.ar, { body: `يعمل رجال الإنقاذ في الموقع، التحديث ${n}.`, headline: `التحديث رقم ${n}` });
      await post(stories.fa, { body: `امدادگران در محل کار می‌کنند، گزارش ${n}.`, headline: `گزارش شماره ${n}` });
    }
    // Latin names inside the story's own script, where user text meets the interface's.
    await post(stories.uk, { body: "Генсек NATO Mark Rutte засудив атаку.", headline: "Реакція NATO", kind: "breaking", pinned: true });
    await post(stories.uk, { body: "Поліція уточнила: поранено 15 людей, а не 11.", kind: "correction" });
    await post(stories.ar, { body: "قال الرئيس Volodymyr Zelensky إن الدفاعات الجوية اعترضت 20 صاروخاً.", headline: "تصريح Zelensky", kind: "breaking", pinned: true });
    await post(stories.ar, { body: "صححت الشرطة العدد: 15 جريحاً وليس 11.", kind: "correction" });
    await server.api(`/api/stories/${stories.uk.id}/facts/f_injured`, { method: "PUT", body: { label: "Поранені", value: "щонайменше 15", source: "Національна поліція" } });
    await server.api(`/api/stories/${stories.ar.id}/facts/f_injured`, { method: "PUT", body: { label: "الجرحى", value: "15 على الأقل", source: "الشرطة الوطنية" } });
    await server.api(`/api/stories/${stories.ar.id}/facts/f_injured`, { method: "PUT", body: { label: "الجرحى", value: "20 على الأقل", source: "الشرطة الوطنية" } });
    await post(stories.fa, { body: "پلیس شمار زخمی‌ها را اصلاح کرد.", kind: "correction" });
    await server.api(`/api/stories/${stories.fa.id}/facts/f_injured`, { method: "PUT", body: { label: "زخمی‌ها", value: "دست کم ۱۵", source: "پلیس ملی" } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  // Each page opened by a browser that prefers another language than the one its interface must
  // speak, and in another zone: the story's language decides, not the reader's.
  for (const [language, dir, readerLocale] of [["uk", "ltr", "en-US"], ["ar", "rtl", "uk-UA"], ["fa", "rtl", "uk-UA"]] as const) {
    it.each(Object.entries(SURFACES))(`${language}: %s sets lang and dir, speaks the story's language, and has no serious axe violation`, async (surface, { path, ready, shots }) => {
      const story = stories[language];
      const { context, page } = await openPage(browser, `${server.url}${path(story.id)}`, { locale: readerLocale, timezoneId: "America/New_York" });
      await page.locator(ready).first().waitFor();
      if (surface !== "older") await expect.poll(() => timesSettled(page)).toBe(true);
      expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual([language, dir]);

      // No English catalog word outside an element marked English; not one word of the reader's own language either.
      // (A tab's title cannot be marked: in a language without a catalog it is the one English left unmarked.)
      const text = await interfaceText(page);
      const checked = language === "fa" ? text.replace(await page.title(), "") : text;
      expect(englishIn(checked), `English words on the ${language} ${surface}`).toEqual([]);
      if (language !== "uk") expect(text.match(/[\p{Script=Cyrillic}]+/gu) ?? [], `Ukrainian words on the ${language} ${surface}`).toEqual([]);
      const marked = page.locator('body [lang="en"]');
      if (language === "fa") {
        // No catalog: the interface's words are English, each element of them marked English and left to right.
        expect(await marked.count()).toBeGreaterThan(0);
        expect(await marked.evaluateAll((elements) => elements.every((element) => element.getAttribute("dir") === "ltr"))).toBe(true);
        expect(await marked.allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(surface === "history" ? /Version|History/ : /Live|LIVE|Older updates|Page 2|No updates/)]));
      } else {
        expect(await marked.count()).toBe(0);
      }
      expect(await seriousViolations(page)).toEqual([]);
      for (const frame of page.frames().slice(1)) expect(await seriousViolations(frame)).toEqual([]);
      if (shots) {
        for (const [device, viewport] of Object.entries(DEVICES)) {
          await page.setViewportSize(viewport);
          await page.evaluate(() => document.fonts.ready);
          await screenshot(page, `i18n-${language}-${surface}-${device}`);
        }
      }
      expect(pageErrors(page)).toEqual([]); // a hydration mismatch would be here
      await context.close();
    });
  }

  it("Arabic and Ukrainian history: every version's line in the story's language, none of the stored English summaries", async () => {
    for (const language of ["ar", "uk"] as const) {
      const story = stories[language];
      const { context, page } = await openPage(browser, `${server.url}/stories/${story.id}/history`, { locale: "en-US" });
      const lines = page.locator(".version .summary li");
      await lines.first().waitFor();
      const { versions } = (await (await server.api(`/api/stories/${story.id}/history`)).json()) as { versions: { summary: string }[] };
      const shown = await lines.allInnerTexts();
      expect(shown.length).toBeGreaterThanOrEqual(versions.length);
      for (const { summary } of versions) expect(shown).not.toContain(summary);
      for (const line of shown) expect(line.replace(/[\u2068\u2069]/g, "")).not.toMatch(/\b(Added|Edited|Removed|Story created|figure)\b/);
      if (language === "ar") {
        expect(shown).toContain("الرقم الرئيسي \u2068الجرحى\u2069 صار \u206820 على الأقل\u2069");
        expect(shown).toContain("أُضيف الرقم الرئيسي \u2068الجرحى\u2069: \u206815 على الأقل (الشرطة الوطنية)\u2069");
        await page.setViewportSize(DEVICES.phone);
        await screenshot(page, "i18n-ar-history-lines-phone");
      }
      expect(pageErrors(page)).toEqual([]);
      await context.close();
    }
  });

  it("renders times on the server in the story's language, in UTC, the same bytes for every reader", async () => {
    const html = async (acceptLanguage: string) => (await fetch(`${server.url}/stories/${stories.uk.id}`, { headers: { "accept-language": acceptLanguage } })).text();
    const [english, german] = await Promise.all([html("en-US,en;q=0.9"), html("de-DE")]);
    expect(german).toBe(english);
    const times = [...english.matchAll(/<time [^>]*datetime="([^"]+)"[^>]*>([^<]*)<\/time>/g)];
    for (const [, datetime] of times) expect(Number.isNaN(Date.parse(datetime!))).toBe(false);
    // Dates in the story's language ("28 лист., 23:45 UTC"); clock times ("Оновлено 23:45") have no words to translate.
    const dates = times.map(([, , text]) => text!).filter((text) => !/^\d\d:\d\d$/.test(text));
    expect(dates.length).toBeGreaterThan(VIEW);
    for (const text of dates) expect(text).toMatch(/^\d+ \p{Script=Cyrillic}+\.?, \d\d:\d\d UTC$/u);
  });

  it("Ukrainian: relative times, plurals and the tab's counter in Ukrainian; the new-updates button counts in Ukrainian", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${stories.uk.id}`, { locale: "en-US", timezoneId: "Europe/Kyiv" });
    await page.locator('[data-status="live"]').waitFor();
    await expect(page.locator(".connection").textContent()).resolves.toContain("Наживо: оновлення з’являються одразу після публікації");
    await expect.poll(() => page.locator(".story-header time").textContent()).toMatch(/^(зараз|\d+ хв тому)$/); // "now", "1 min ago"
    // Three arrive while the reader is further down: they wait behind a button that counts them.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    for (const n of [1, 2, 3]) await post(stories.uk, { body: `Ще одне оновлення ${n}.` });
    await expect.poll(() => page.locator(".new-updates").textContent()).toMatch(/^\s*3 нові оновлення\s*$/);
    await page.locator(".show-older").click();
    await expect.poll(() => page.locator(".older-updates [role=status]").textContent()).toMatch(/^Показано \d+ старіш(е|і|их) оновлен(ня|ь)\.$/);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("Arabic: mirrored layout, the ticker crawls the other way, pointing icons point the other way, Latin names isolated", async () => {
    const story = stories.ar;
    const { context, page } = await openPage(browser, `${server.url}/stories/${story.id}`, { locale: "en-US" });
    await page.locator('[data-status="live"]').waitFor();
    // Lines start at the right: the title's text ends flush with its box's right edge, the badge
    // ("Live") comes first from the right, and the stream's button sits at the left of its bar.
    const flushRight = (selector: string) =>
      page.locator(selector).first().evaluate((element) => {
        const range = document.createRange();
        range.selectNodeContents(element);
        return Math.abs(element.getBoundingClientRect().right - range.getBoundingClientRect().right) < 2;
      });
    await expect(flushRight(".story-header h1")).resolves.toBe(true);
    await expect(flushRight(".entry .body p")).resolves.toBe(true);
    const badge = (await page.locator(".status-line .badge").boundingBox())!;
    const updated = (await page.locator(".status-line time").boundingBox())!;
    expect(badge.x).toBeGreaterThan(updated.x);
    // User text that may mix directions is isolated from the interface around it.
    expect(await page.locator(".entry h3[dir=auto]").count()).toBeGreaterThan(0);
    expect(await page.locator(".entry .body").count()).toBe(await page.locator(".entry .body[dir=auto]").count());
    expect(await page.locator(".entry bdi.author").count()).toBeGreaterThan(0);
    expect(pageErrors(page)).toEqual([]);
    await context.close();

    const ticker = await openPage(browser, `${server.url}/stories/${story.id}/ticker`);
    await ticker.page.locator('.ticker[data-connection="live"]').waitFor();
    expect(await ticker.page.locator(".track").evaluate((track) => getComputedStyle(track).animationName)).toMatch(/crawl-rtl$/);
    // The button and the story's label sit at the right, the crawl to their left.
    const toggle = (await ticker.page.locator(".toggle").boundingBox())!;
    const crawl = (await ticker.page.locator(".crawl").boundingBox())!;
    expect(toggle.x).toBeGreaterThan(crawl.x);
    // Moving: after a moment the first item has moved right, not left.
    const first = ticker.page.locator(".copy").first().locator(".item").first();
    const before = (await first.boundingBox())!.x;
    await expect.poll(async () => (await first.boundingBox())!.x - before).toBeGreaterThan(5);
    await ticker.context.close();

    const embed = await openPage(browser, `${server.url}/embed/${story.id}?layout=list`);
    await embed.page.locator(".embed-list").waitFor();
    await expect(embed.page.locator(".full a").textContent()).resolves.toMatch(/←$/);
    expect(pageErrors(embed.page)).toEqual([]);
    await embed.context.close();
  });

  it("Arabic on a phone: the photo gallery starts at the right, the figures box mirrors, the new-updates pill counts in Arabic", { timeout: 90_000 }, async () => {
    const story = stories.ar;
    const photos = [];
    for (let n = 0; n < 3; n++) photos.push(await uploadPhoto(browser, server, 1200, 800));
    const media = photos.map((photo, n) => ({ type: "image", id: photo.id, alt: `صورة ${n + 1} من موقع الضربة` }));
    expect((await post(story, { body: "صور من موقع الضربة.", headline: "صور من الموقع", media })).status).toBe(201);

    const { context, page } = await openPage(browser, `${server.url}/stories/${story.id}`, { viewport: DEVICES.phone, locale: "ar" });
    await page.locator('[data-status="live"]').waitFor();
    const gallery = page.getByRole("region", { name: /معرض صور \(3\)/ });
    await gallery.scrollIntoViewIfNeeded();
    // The first photo fills the gallery from its right edge; its "1 / 3" reads left to right.
    const [box, first] = [(await gallery.boundingBox())!, (await gallery.locator(".slide").first().boundingBox())!];
    expect(Math.abs(first.x + first.width - (box.x + box.width))).toBeLessThan(2);
    await expect(gallery.locator(".position").first().getAttribute("dir")).resolves.toBe("ltr");
    // Its characters as they stand on the screen, left to right.
    const onScreen = await gallery.locator(".position").first().evaluate((span) => {
      const placed: { text: string; x: number }[] = [];
      const walker = document.createTreeWalker(span, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.textContent!.length; i++) {
          const range = document.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          placed.push({ text: node.textContent![i]!, x: range.getBoundingClientRect().x });
        }
      }
      return placed.filter((c) => c.text.trim()).sort((a, b) => a.x - b.x).map((c) => c.text).join("");
    });
    expect(onScreen).toBe("1/3");
    // Nothing runs off the side of the phone, and the page is not scrolled sideways.
    expect(await page.evaluate(() => [document.documentElement.scrollWidth, window.scrollX, document.body.innerText.length > 0])).toEqual([390, 0, true]);
    await screenshot(page, "i18n-ar-gallery-phone");
    // The figures box: its label's words start at the right of their line.
    const labelFlushRight = await page.getByTestId("key-figures").locator(".figure dt").first().evaluate((term) => {
      const range = document.createRange();
      range.selectNodeContents(term);
      return Math.abs(term.getBoundingClientRect().right - range.getBoundingClientRect().right) < 2;
    });
    expect(labelFlushRight).toBe(true);
    await page.getByTestId("key-figures").scrollIntoViewIfNeeded();
    await screenshot(page, "i18n-ar-figures-phone");

    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    for (const n of [1, 2, 3]) await post(story, { body: `تحديث إضافي ${n}.` });
    await expect.poll(() => page.locator(".new-updates").textContent()).toMatch(/^\s*3 تحديثات جديدة\s*$/);
    await screenshot(page, "i18n-ar-new-updates-phone");
    expect(await seriousViolations(page)).toEqual([]);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });
});
