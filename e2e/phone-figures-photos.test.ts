import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EntryResponse } from "../shared/api.js";
import type { Snapshot } from "../shared/story.js";
import { startServer, UNTHROTTLED, type TestServer } from "../server/test/harness.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot } from "./browser.js";
import { uploadPhoto } from "./photos.js";

const DEVICES = { phone: { width: 390, height: 844 }, desktop: { width: 1366, height: 850 } };

/**
 * The live page news-first on a phone (key figures as a compact grid, the first update on the
 * first screen, with and without JavaScript) and photos that fit the screen, open at full size
 * and, two or more, read as a gallery turned by arrow keys or a swipe.
 */
describe.skipIf(browserMissing)("a news-first phone page and photos that fit, in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let story: Snapshot;
  let portrait: { id: string; width: number; height: number };

  const post = async (body: Record<string, unknown>) => {
    const res = await server.api(`/api/stories/${story.id}/entries`, { body });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as EntryResponse;
  };

  beforeAll(async () => {
    server = await startServer({ pages: true, env: UNTHROTTLED });
    browser = await launchBrowser();
    story = (await (await server.api("/api/stories", { body: { title: "Kyiv strikes", summary: "Overnight attack on the capital." } })).json()) as Snapshot;
    const figures: [string, string, string, string?][] = [
      ["f_killed", "Killed", "3", "regional governor"],
      ["f_injured", "Injured", "at least 27", "National Police"],
      ["f_missiles", "Ballistic missiles", "14 launched, 6 shot down", "Ukrainian Air Force"],
      ["f_drones", "Attack drones", "about 250 launched, 245 shot down", "Ukrainian Air Force"],
      ["f_power", "Homes without power", "about 40,000"],
    ];
    for (const [id, label, value, source] of figures) {
      expect((await server.api(`/api/stories/${story.id}/facts/${id}`, { method: "PUT", body: { label, value, ...(source ? { source } : {}) } })).status).toBe(200);
    }
    for (const headline of ["Air-raid alert in Kyiv", "Metro stations open as shelters", "Casualty figures corrected"]) {
      await post({ headline, body: `${headline}: details.`, pinned: true });
    }
    portrait = await uploadPhoto(browser, server, 672, 1008);
    const wide = await uploadPhoto(browser, server, 1200, 800);
    await post({
      headline: "Three views of Obolon",
      body: "Photos from the scene.",
      media: [
        { type: "image", id: wide.id, alt: "Smoke over apartment blocks at dawn", caption: "Obolon, 06:10" },
        { type: "image", id: portrait.id, alt: "A firefighter on a ladder" },
        { type: "image", id: wide.id, alt: "Rescuers clearing rubble" },
      ],
    });
    await post({ headline: "Rescuers at work", body: "Firefighters on the ladder.", media: [{ type: "image", id: portrait.id, alt: "Firefighters on a ladder against a burnt facade", credit: "State Emergency Service" }] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** The bottom of the first update's headline, from the top of the page. */
  const firstHeadlineBottom = (page: Page) => page.locator(".stream article.entry h3").first().evaluate((element) => element.getBoundingClientRect().bottom + window.scrollY);

  it.each([
    ["with JavaScript", true],
    ["without JavaScript", false],
  ])("phone, %s: five figures as a two-column grid and three key events leave the first update on the first screen", async (how, javaScriptEnabled) => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${story.id}`, { viewport: DEVICES.phone, javaScriptEnabled });
    if (javaScriptEnabled) await page.locator('[data-status="live"]').waitFor();
    const bottom = await firstHeadlineBottom(page);
    console.log(`phone ${how}: first update's headline ends at ${Math.round(bottom)} px; key figures ${Math.round((await page.getByTestId("key-figures").boundingBox())!.height)} px tall`);
    expect(bottom).toBeLessThanOrEqual(DEVICES.phone.height);
    // Two to a row, the value over its label.
    const cells = page.getByTestId("key-figures").locator(".figure");
    const boxes = await cells.evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().top));
    expect(boxes[0]).toBe(boxes[1]);
    expect(boxes[2]).toBeGreaterThan(boxes[0]!);
    const killed = page.locator('[data-figure="f_killed"]');
    const [value, label] = [(await killed.locator(".value").boundingBox())!, (await killed.locator("dt").boundingBox())!];
    expect(value.y).toBeLessThan(label.y);
    // Sources on demand: hidden until the reader opens "Sources and times", then each named.
    const sources = page.getByText("Sources and times");
    await expect(page.getByText("National Police").first().isVisible()).resolves.toBe(false);
    await sources.click();
    await expect(page.locator(".figure-sources").getByText("National Police").isVisible()).resolves.toBe(true);
    // axe-core runs as a script: with JavaScript off, the screenshots' runs below stand for this page.
    if (javaScriptEnabled) expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `reader29-figures-sources-open-phone${javaScriptEnabled ? "" : "-no-js"}`);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("desktop: figures keep source and time inline; there is no disclosure", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${story.id}`, { viewport: DEVICES.desktop });
    await page.locator('[data-status="live"]').waitFor();
    await expect(page.locator('[data-figure="f_injured"] .figure-meta').getByText("National Police").isVisible()).resolves.toBe(true);
    await expect(page.locator(".figure-sources").isVisible()).resolves.toBe(false);
    await context.close();
  });

  it("desktop: a portrait photo fits the window, contained, and links to its largest size", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${story.id}`, { viewport: DEVICES.desktop });
    const img = page.getByRole("img", { name: "Firefighters on a ladder against a burnt facade" });
    await img.scrollIntoViewIfNeeded();
    const box = (await img.boundingBox())!;
    console.log(`portrait 672×1008 in a 1366×850 window: shown ${Math.round(box.width)}×${Math.round(box.height)}`);
    expect(box.height).toBeLessThanOrEqual(0.8 * DEVICES.desktop.height + 0.5);
    await expect(img.evaluate((element) => getComputedStyle(element).objectFit)).resolves.toBe("contain");
    // 672 px wide: its largest variant is the one named 960 (never upscaled).
    const link = page.getByRole("link", { name: /Firefighters on a ladder against a burnt facade/ });
    await expect(link.getAttribute("href")).resolves.toBe(`/media/${portrait.id}/960.jpeg`);
    const [popup] = await Promise.all([page.waitForEvent("popup"), link.press("Enter")]);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(`${server.url}/media/${portrait.id}/960.jpeg`);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("three photos are a gallery: 1 / 3, arrow keys turn it a photo at a time, swiping snaps to each", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${story.id}`, { viewport: DEVICES.phone, hasTouch: true, isMobile: true });
    await page.locator('[data-status="live"]').waitFor();
    const gallery = page.getByRole("region", { name: /Photo gallery \(3\)/ });
    await gallery.scrollIntoViewIfNeeded();
    await expect(gallery.locator(".position").allTextContents()).resolves.toEqual(["1 / 3", "2 / 3", "3 / 3"]);
    await expect(gallery.evaluate((element) => getComputedStyle(element).scrollSnapType)).resolves.toBe("x mandatory");
    /** Which photo fills the gallery now: the one whose box starts at the gallery's. */
    const showing = () =>
      gallery.evaluate((element) => {
        const left = element.getBoundingClientRect().left;
        return [...element.querySelectorAll(".slide")].findIndex((slide) => Math.abs(slide.getBoundingClientRect().left - left) < 2) + 1;
      });
    expect(await showing()).toBe(1);
    await gallery.focus();
    await page.keyboard.press("ArrowRight");
    await expect.poll(showing).toBe(2);
    await page.keyboard.press("ArrowRight");
    await expect.poll(showing).toBe(3);
    await page.keyboard.press("ArrowLeft");
    await expect.poll(showing).toBe(2);
    expect(await seriousViolations(page)).toEqual([]);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  for (const scheme of ["light", "dark"] as const) {
    for (const [device, viewport] of Object.entries(DEVICES)) {
      it(`${scheme}, ${device}: screenshots of the top of the page and of the photos; no serious axe-core violation`, async () => {
        const { context, page } = await openPage(browser, `${server.url}/stories/${story.id}`, { viewport, colorScheme: scheme });
        await page.locator('[data-status="live"]').waitFor();
        await screenshot(page, `reader29-live-top-${device}-${scheme}`);
        await page.getByRole("heading", { name: "Rescuers at work" }).evaluate((heading) => heading.closest("article")!.scrollIntoView({ block: "start" }));
        await page.getByRole("img", { name: "Firefighters on a ladder against a burnt facade" }).evaluate((img: HTMLImageElement) => img.decode());
        await screenshot(page, `reader29-photo-portrait-${device}-${scheme}`);
        await page.getByRole("heading", { name: "Three views of Obolon" }).evaluate((heading) => heading.closest("article")!.scrollIntoView({ block: "start" }));
        await page.getByRole("img", { name: "Smoke over apartment blocks at dawn" }).evaluate((img: HTMLImageElement) => img.decode());
        await screenshot(page, `reader29-gallery-${device}-${scheme}`);
        expect(await seriousViolations(page)).toEqual([]);
        expect(pageErrors(page)).toEqual([]);
        await context.close();
      });
    }
  }
});
