import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../shared/story.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { startOembedStandIn, video, videoUrl, type OembedStandIn } from "../server/test/oembed-stand-in.js";
import { seriousViolations } from "./a11y.js";
import { ARTIFACTS, browserMissing, launchBrowser, openPage, pageErrors } from "./browser.js";

/**
 * Issue 34, as a reader sees it: a rich card (our own thumbnail, title, author, platform, host,
 * caption) that asks nothing of the platform before the click; "Always show YouTube on this site"
 * remembered for a second entry and across a reload, and revoked from the card; a post's frame
 * resized by its platform's height message (a local stand-in page served for t.me).
 */
const NOCOOKIE = "https://www.youtube-nocookie.com";
const TELEGRAM_POST = "https://t.me/kyivindependent_official/12345";
const DEVICES = { desktop: { width: 1366, height: 850 }, phone: { width: 390, height: 844 } };

describe.skipIf(browserMissing)("embed cards in a real browser", () => {
  let dir: string;
  let platform: OembedStandIn;
  let server: TestServer;
  let browser: Browser;
  let story: Snapshot;

  const post = async (body: Record<string, unknown>) => {
    const res = await server.api(`/api/stories/${story.id}/entries`, { body });
    expect(res.status, await res.clone().text()).toBe(201);
  };

  /** Opens the story with every request to another host recorded, and stand-ins for the platforms' frames. */
  async function open(options: Parameters<typeof openPage>[2] = {}, context?: BrowserContext): Promise<{ context: BrowserContext; page: Page; thirdParty: Request[] }> {
    const opened = context ? { context, page: await context.newPage() } : await openPage(browser, "about:blank", options);
    const thirdParty: Request[] = [];
    opened.page.on("request", (request) => {
      if (new URL(request.url()).origin !== server.url) thirdParty.push(request);
    });
    await opened.context.route(`${NOCOOKIE}/**`, (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>player</title><p>player</p>" }));
    // Telegram's post page, standing in: it says its height as t.me's own widget does.
    await opened.context.route("https://t.me/**", (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><title>post</title><p>A long post</p><script>parent.postMessage(JSON.stringify({event:"resize",height:812}),"*")</script>`,
      }),
    );
    await opened.page.goto(`${server.url}/stories/${story.id}`);
    opened.page.setDefaultTimeout(10_000);
    return { ...opened, thirdParty };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "embed-cards-"));
    platform = await startOembedStandIn(dir, {
      rescuers001: (req, res, base) => video({ title: "Rescuers pull a woman from the rubble in Obolon", author_name: "Kyiv City Administration", thumbnail_url: `${base}/thumb.jpg` })(req, res, base),
      mayorspeech: (req, res, base) => video({ title: "The mayor speaks at the scene", author_name: "Vitali Klitschko", thumbnail_url: `${base}/thumb.jpg` })(req, res, base),
    });
    server = await startServer({ pages: true, env: platform.env });
    browser = await launchBrowser();
    story = (await (await server.api("/api/stories", { body: { title: "Kyiv strikes", summary: "Overnight attack on the capital" } })).json()) as Snapshot;
    await post({ headline: "Telegram", body: "The city's channel posted.", media: [{ type: "embed", url: TELEGRAM_POST }] });
    await post({ headline: "The mayor's statement", body: "He spoke from the scene.", media: [{ type: "embed", url: videoUrl("mayorspeech") }] });
    await post({ headline: "Rescue in Obolon", body: "Rescuers worked through the night.", media: [{ type: "embed", url: `https://youtu.be/rescuers001?t=42`, caption: "Filmed by the city's rescuers at 05:40" }] });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [device, viewport] of Object.entries(DEVICES)) {
    it(`${device}: shows the rich card with our own thumbnail and asks nothing of the platform before the click; axe`, async () => {
      const { context, page, thirdParty } = await open({ viewport });
      const figure = page.getByRole("article").filter({ hasText: "Rescue in Obolon" }).locator("figure.embed");
      const card = figure.getByTestId("embed-card");
      await card.getByRole("button", { name: "Show YouTube video" }).waitFor();
      await expect(card.innerText()).resolves.toMatch(/YouTube · www\.youtube\.com\s+Rescuers pull a woman from the rubble in Obolon\s+Kyiv City Administration/);
      await expect(figure.locator("figcaption").innerText()).resolves.toContain("Filmed by the city's rescuers at 05:40");
      const img = card.locator("img");
      await expect.poll(() => img.evaluate((element: HTMLImageElement) => element.complete && element.naturalWidth > 0)).toBe(true);
      expect(new URL(await img.evaluate((element: HTMLImageElement) => element.currentSrc)).origin).toBe(server.url);
      expect(await img.getAttribute("src")).toMatch(/^\/media\/m_[0-9a-f]{32}\/480\.jpeg$/);
      await card.scrollIntoViewIfNeeded();
      await expect(seriousViolations(page)).resolves.toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, `embed-card-${device}.png`) });
      // Only the stand-in platform's own address saw anything, and that was the server asking it, at write time.
      expect(thirdParty.map((request) => request.url())).toEqual([]);

      await card.getByRole("button", { name: "Show YouTube video" }).click();
      const frame = figure.locator("iframe");
      await expect(frame.getAttribute("src")).resolves.toBe(`${NOCOOKIE}/embed/rescuers001?start=42`);
      await expect.poll(() => thirdParty.map((request) => new URL(request.url()).origin)).toContain(NOCOOKIE);
      expect(pageErrors(page)).toEqual([]);
      await context.close();
    });
  }

  it("remembers 'Always show YouTube' for a second entry and across a reload, in the browser only, and forgets it from the card", async () => {
    const { context, page } = await open();
    const rescue = page.getByRole("article").filter({ hasText: "Rescue in Obolon" });
    const mayor = page.getByRole("article").filter({ hasText: "The mayor's statement" });
    await rescue.getByRole("checkbox", { name: "Always show YouTube on this site" }).check();
    await rescue.getByRole("button", { name: "Show YouTube video" }).click();
    // The other video opens too, and the Telegram post stays a card: consent is per platform.
    await expect(mayor.locator("iframe").getAttribute("src")).resolves.toBe(`${NOCOOKIE}/embed/mayorspeech`);
    await expect(page.getByRole("button", { name: "Show post on Telegram" }).count()).resolves.toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "embed-card-remembered-desktop.png") });

    await page.reload();
    await page.locator('[data-status="live"]').waitFor();
    await expect(rescue.locator("iframe").count()).resolves.toBe(1);
    await expect(mayor.locator("iframe").count()).resolves.toBe(1);
    // Kept in localStorage, never a cookie, never sent.
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => localStorage.getItem("live-ticker:embed-consent"))).toBe(JSON.stringify([NOCOOKIE]));

    await mayor.getByRole("button", { name: "Stop showing YouTube automatically" }).click();
    await expect(rescue.getByRole("button", { name: "Show YouTube video" }).count()).resolves.toBe(1);
    await expect(mayor.getByRole("button", { name: "Show YouTube video" }).count()).resolves.toBe(1);
    await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe("Show YouTube video");
    expect(await page.evaluate(() => localStorage.getItem("live-ticker:embed-consent"))).toBe("[]");
    await page.reload();
    await page.locator('[data-status="live"]').waitFor();
    await expect(page.locator("iframe").count()).resolves.toBe(0);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("shows the card in an Arabic story, right to left, in Arabic words; axe", async () => {
    const arabic = (await (await server.api("/api/stories", { body: { title: "ضربات على كييف", language: "ar" } })).json()) as Snapshot;
    const res = await server.api(`/api/stories/${arabic.id}/entries`, { body: { headline: "إنقاذ في أوبولون", body: "عمل المسعفون طوال الليل.", media: [{ type: "embed", url: videoUrl("rescuers001"), caption: "صوّره مسعفو المدينة" }] } });
    expect(res.status).toBe(201);
    const { context, page } = await openPage(browser, `${server.url}/stories/${arabic.id}`, { viewport: DEVICES.phone });
    const card = page.getByTestId("embed-card");
    await card.getByRole("checkbox", { name: "اعرض YouTube دائمًا على هذا الموقع" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.dir)).toBe("rtl");
    await card.scrollIntoViewIfNeeded();
    await expect(seriousViolations(page)).resolves.toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "embed-card-arabic-phone.png") });
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("makes a post's frame as tall as its platform's height message says, and heeds no other window", async () => {
    const { context, page } = await open({ viewport: DEVICES.phone });
    const telegram = page.getByRole("article").filter({ hasText: "The city's channel posted." });
    // A message from the page itself, not the frame, changes nothing.
    await page.getByRole("button", { name: "Show post on Telegram" }).click();
    const frame = telegram.locator("iframe");
    await expect.poll(() => frame.evaluate((element) => element.getBoundingClientRect().height)).toBe(812);
    await page.evaluate(() => postMessage(JSON.stringify({ event: "resize", height: 2000 }), "*"));
    await page.waitForTimeout(200);
    await expect(frame.evaluate((element) => element.getBoundingClientRect().height)).resolves.toBe(812);
    await telegram.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "embed-card-post-frame-phone.png") });
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });
});
