import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EntryResponse } from "../shared/api.js";
import type { Snapshot } from "../shared/story.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot } from "./browser.js";

describe.skipIf(browserMissing)("the ticker strip and the history view in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let storyId: string;
  let edited: EntryResponse;

  const post = async (body: string, extra: Record<string, unknown> = {}) => {
    const res = await server.api(`/api/stories/${storyId}/entries`, { body: { body, ...extra } });
    expect(res.status).toBe(201);
    return (await res.json()) as EntryResponse;
  };
  /** The crawl's horizontal offset: it changes while playing and holds still when paused. */
  const offset = (page: import("playwright-core").Page) =>
    page.locator(".ticker .track").evaluate((track) => new DOMMatrix(getComputedStyle(track).transform).m41);

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    storyId = ((await (await server.api("/api/stories", { body: { title: "Kyiv strikes" } })).json()) as Snapshot).id;
    await post("Sirens across the capital.", { headline: "Air-raid alert in Kyiv", kind: "breaking" });
    edited = await post("At least 11 people were hurt, police say.", { headline: "Injuries reported" });
    await post("Fire across **four floors** of a high-rise in Obolon.");
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("crawls, pauses from a keyboard-reachable control, and announces new items politely", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${storyId}/ticker`);
    const ticker = page.locator(".ticker");
    await expect(ticker.getAttribute("data-state")).resolves.toBe("playing");
    await expect(page.locator(".ticker .breaking, .ticker [class*=breaking]").first().isVisible()).resolves.toBe(true);
    await expect(page.locator('.ticker a[href$="/updates/' + edited.entry.id + '"]').first().textContent()).resolves.toContain("Injuries reported");
    await page.waitForTimeout(300);
    const a = await offset(page);
    await page.waitForTimeout(300);
    expect(await offset(page)).not.toBe(a); // it moves

    await page.keyboard.press("Tab");
    const pause = page.getByRole("button", { name: "Pause ticker" });
    await expect(pause.evaluate((button) => button === document.activeElement)).resolves.toBe(true);
    await page.keyboard.press("Enter");
    await expect(ticker.getAttribute("data-state")).resolves.toBe("paused");
    await page.mouse.move(0, 700); // away from the strip: hover must not be what holds it
    const held = await offset(page);
    await page.waitForTimeout(400);
    expect(await offset(page)).toBe(held);
    await screenshot(page, "ticker-strip");

    await post("Air defence shot down six missiles.", { headline: "Six missiles intercepted" });
    await page.locator('[aria-live="polite"]', { hasText: "Six missiles intercepted" }).waitFor({ timeout: 2000 });
    expect(await page.locator('[aria-live="polite"]').count()).toBe(1);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("does not move at all under prefers-reduced-motion", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${storyId}/ticker`, { reducedMotion: "reduce", viewport: { width: 320, height: 200 } });
    await page.locator('.ticker[data-motion="reduced"]').waitFor();
    const a = await offset(page);
    await page.waitForTimeout(500);
    expect(await offset(page)).toBe(a);
    expect(await page.locator(".ticker .track").evaluate((track) => getComputedStyle(track).animationName)).toBe("none");
    await screenshot(page, "ticker-strip-reduced-motion-320px");
    await context.close();
  });

  it("shows an edit as a word-level diff in the public history", async () => {
    const res = await server.api(`/api/stories/${storyId}/entries/${edited.entry.id}`, {
      method: "PATCH",
      body: { body: "At least 15 people were hurt, police say.", kind: "correction" },
    });
    const { version } = (await res.json()) as EntryResponse;
    const { context, page } = await openPage(browser, `${server.url}/stories/${storyId}/history`);
    const item = page.locator("li.version", { has: page.locator(`#version-${version}`) });
    await expect(item.locator(".summary").textContent()).resolves.toBe("Edited “\u2068Injuries reported\u2069” as a correction");
    await item.getByRole("button", { name: "Show changes" }).click();
    await item.locator("del.diff-del", { hasText: "11" }).waitFor();
    await expect(item.locator("ins.diff-ins", { hasText: "15" }).count()).resolves.toBeGreaterThan(0);
    await expect(item.getByRole("button", { name: "Hide changes" }).getAttribute("aria-expanded")).resolves.toBe("true");
    expect(pageErrors(page)).toEqual([]);
    await screenshot(page, "history-view");
    await context.close();
  });

  it("lists stories, live first, on the front page; unknown stories get a 404 page", async () => {
    await server.api("/api/stories", { body: { id: "old-story", title: "An older story" } });
    await server.api("/api/stories/old-story", { method: "PATCH", body: { status: "ended" } });
    const { context, page } = await openPage(browser, `${server.url}/`);
    await expect(page.locator(".story-list li .title").allTextContents()).resolves.toEqual(["Kyiv strikes", "An older story"]);
    const missing = await page.goto(`${server.url}/stories/no-such-story`);
    expect(missing?.status()).toBe(404);
    await expect(page.getByRole("alert").textContent()).resolves.toContain("could not find that story");
    await context.close();
  });
});
