/**
 * A long story on the reader's page: the page carries the latest view only; "Show older updates"
 * pages back through the rest while updates keep arriving, edits and removals of loaded older
 * entries still reach the reader, and without JavaScript `?page=N` pages reach every entry.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EntryResponse } from "../shared/api.js";
import { newEntryId } from "../shared/ids.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot } from "./browser.js";

const VIEW = 10;
const SEEDED = 60;
const STORY = "long-night";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
/** Each test walks many pages in a real browser, on a machine that may be busy. */
const SLOW = { timeout: 180_000 };

describe.skipIf(browserMissing)("older updates on the reader's page", () => {
  let server: TestServer;
  let browser: Browser;
  const dataDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "live-ticker-older-"));

  const post = async (headline: string) => {
    const res = await server.api(`/api/stories/${STORY}/entries`, { body: { headline, body: `${headline}: what we know.` } });
    expect(res.status).toBe(201);
    return (await res.json()) as EntryResponse;
  };
  const headlines = (page: Page) => page.locator(".stream article.entry h3").allTextContents();

  beforeAll(async () => {
    server = await startServer({ pages: true, dataDir, env: { LATEST_VIEW_ENTRIES: String(VIEW) } });
    browser = await launchBrowser();
    const desk = { author: { name: "Night desk" } };
    await server.app.service.createStory({ id: STORY, title: "A long night in Kyiv", summary: "Hour by hour." }, desk);
    await server.app.service.apply(STORY, { type: "add_entry", entryId: newEntryId(), headline: "Curfew extended", body: "Until 6 am.", kind: "breaking", pinned: true }, { ...desk, at: "2026-05-24T00:00:00.000Z" });
    for (let n = 1; n <= SEEDED; n++) {
      const at = new Date(Date.UTC(2026, 4, 24, 0, n)).toISOString();
      await server.app.service.apply(STORY, { type: "add_entry", entryId: newEntryId(), headline: `Update ${n}`, body: `Report number ${n} from the scene.`, kind: "update", pinned: false }, { ...desk, at });
    }
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("without JavaScript, the button is a link and ?page=N pages reach every entry once, with rel=prev/next and canonical URLs", SLOW, async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${STORY}`, { javaScriptEnabled: false, viewport: DESKTOP });
    expect(await headlines(page)).toEqual(Array.from({ length: VIEW }, (_, i) => `Update ${SEEDED - i}`));
    const more = page.getByRole("link", { name: "Show older updates" });
    expect(await more.getAttribute("href")).toBe(`/stories/${STORY}?page=2`);
    expect(await page.locator('link[rel="next"]').getAttribute("href")).toBe(`${server.url}/stories/${STORY}?page=2`);
    // The page data is the view: nothing of the older entries rides along.
    expect(await page.locator("#page-props").textContent()).not.toContain("Update 50:");

    const seen = await headlines(page);
    for (let n = 2; ; n++) {
      await page.goto(`${server.url}/stories/${STORY}?page=${n}`);
      expect(await page.locator('link[rel="canonical"]').getAttribute("href")).toBe(`${server.url}/stories/${STORY}?page=${n}`);
      expect(await page.locator('link[rel="prev"]').getAttribute("href")).toBe(n === 2 ? `${server.url}/stories/${STORY}` : `${server.url}/stories/${STORY}?page=${n - 1}`);
      expect(await page.locator("#page-props").count()).toBe(0); // an archive page: not hydrated
      seen.push(...(await headlines(page)));
      const next = page.getByRole("link", { name: "Older updates" });
      if ((await next.count()) === 0) {
        expect(await page.locator('link[rel="next"]').count()).toBe(0);
        break;
      }
      await next.click();
    }
    expect(seen).toEqual(Array.from({ length: SEEDED }, (_, i) => `Update ${SEEDED - i}`));
    const past = await page.goto(`${server.url}/stories/${STORY}?page=99`);
    expect(past?.status()).toBe(404);
    await context.close();

    // axe runs as a script: page 2 again with JavaScript on (the page itself has none).
    const { context: withScript, page: second } = await openPage(browser, `${server.url}/stories/${STORY}?page=2`, { viewport: DESKTOP });
    expect(await seriousViolations(second)).toEqual([]);
    await screenshot(second, "older-page-2-desktop");
    await second.setViewportSize(PHONE);
    await screenshot(second, "older-page-2-phone");
    expect(pageErrors(second)).toEqual([]);
    await withScript.close();
  });

  it("scrolls back through older pages with the button while updates arrive, and loaded entries stay true", SLOW, async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${STORY}`, { viewport: DESKTOP });
    await page.locator('[data-status="live"]').waitFor();
    const button = page.getByRole("button", { name: "Show older updates" });
    await button.scrollIntoViewIfNeeded();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "older-button-desktop");

    let posted = 0;
    const expected = () => [...Array.from({ length: posted }, (_, i) => `Live ${posted - i}`), ...Array.from({ length: SEEDED }, (_, i) => `Update ${SEEDED - i}`)];
    // Page back to the first entry, one click at a time, while the desk posts between clicks. The
    // reader is down the page, so new updates wait behind the "N new updates" button.
    while ((await button.count()) > 0) {
      await button.click();
      await page.locator(".older-updates [role=status]").filter({ hasText: /shown|no older/ }).waitFor({ state: "attached" });
      posted++;
      await post(`Live ${posted}`);
      await page.getByRole("button", { name: `${posted} new update` }).waitFor();
    }
    await page.getByRole("button", { name: `${posted} new updates` }).click();
    // Every entry exactly once, in order: the view's and the loaded ones, those that fell out of
    // the view as new ones arrived included.
    await expect.poll(() => headlines(page), { timeout: 15_000 }).toEqual(expected());

    // An edit and a removal of entries loaded from older pages reach the reader.
    const full = (await (await server.api(`/api/stories/${STORY}`)).json()) as { entries: Record<string, { id: string; headline?: string }> };
    const idOf = (headline: string) => Object.values(full.entries).find((entry) => entry.headline === headline)!.id;
    expect((await server.api(`/api/stories/${STORY}/entries/${idOf("Update 7")}`, { method: "PATCH", body: { headline: "Update 7 (corrected)" } })).status).toBe(200);
    expect((await server.api(`/api/stories/${STORY}/entries/${idOf("Update 3")}`, { method: "DELETE" })).status).toBe(200);
    await expect
      .poll(() => headlines(page), { timeout: 15_000 })
      .toEqual(expected().filter((h) => h !== "Update 3").map((h) => (h === "Update 7" ? "Update 7 (corrected)" : h)));
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("on a phone: the button under the latest updates", SLOW, async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${STORY}`, { viewport: PHONE });
    await page.locator('[data-status="live"]').waitFor();
    const button = page.getByRole("button", { name: "Show older updates" });
    await button.scrollIntoViewIfNeeded();
    await button.focus();
    await screenshot(page, "older-button-phone");
    await page.keyboard.press("Enter");
    await page.locator(".older-updates [role=status]").filter({ hasText: "older updates shown" }).waitFor({ state: "attached" });
    await expect(page.locator(":focus").textContent()).resolves.toContain("Show older updates"); // focus stays put
    expect(await seriousViolations(page)).toEqual([]);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });
});
