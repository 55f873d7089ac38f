/**
 * Every update has its own address (issue 31): on a 2,000-entry story, a shared link to update
 * #300 lands on it from the live page (loaded in place beyond the latest view, focused), from its
 * own page and from the embed; an open update page follows an edit and a removal live; "Share"
 * copies the link and says so. Desktop and a 390 px phone, axe 0 serious/critical, screenshots.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newEntryId } from "../shared/ids.js";
import type { NewEntry } from "../shared/operations.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot } from "./browser.js";

const STORY = "long-night";
const ENTRIES = 2_000;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const SLOW = { timeout: 180_000 };
/** Entries posted one by one at the end (each its own version); the rest come in batches. */
const SINGLY = 100;
const at = (n: number) => new Date(Date.UTC(2026, 4, 24, 0, 0) + n * 60_000).toISOString();

describe.skipIf(browserMissing)("update pages and links that land", () => {
  let server: TestServer;
  let browser: Browser;
  /** Entry ids in the order they were posted: ids[299] is update #300. */
  const ids: string[] = [];
  const dataDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "live-ticker-updates-"));
  const desk = { author: { name: "Night desk" } };

  /** Whether the element with `id` has keyboard focus and stands (at least partly) in the viewport. */
  const focusedInView = (page: Page, id: string) =>
    page.evaluate((id) => {
      const element = document.getElementById(id);
      if (!element || document.activeElement !== element) return false;
      const box = element.getBoundingClientRect();
      return box.top >= 0 && box.top < innerHeight; // its top on screen: where a reader starts reading
    }, id);

  beforeAll(async () => {
    server = await startServer({ pages: true, dataDir });
    browser = await launchBrowser();
    await server.app.service.createStory({ id: STORY, title: "A long night in Kyiv", summary: "Hour by hour." }, desk);
    const entry = (n: number): NewEntry => {
      const entryId = newEntryId();
      ids.push(entryId);
      return { entryId, headline: `Update ${n}`, body: `Report number ${n} from the scene.`, kind: "update", pinned: false, createdAt: at(n) };
    };
    // The first 1,900 imported in batches of 500 (as a wire feed would), each with its own time a
    // minute apart; the last 100 posted one by one, by two desks in turn: a history of pages.
    for (let start = 0; start < ENTRIES - SINGLY; start += 500) {
      const count = Math.min(500, ENTRIES - SINGLY - start);
      await server.app.service.apply(STORY, { type: "add_entries", entries: Array.from({ length: count }, (_, i) => entry(start + i + 1)) }, { ...desk, at: at(start + count) });
    }
    for (let n = ENTRIES - SINGLY + 1; n <= ENTRIES; n++) {
      const { entryId, ...rest } = entry(n);
      await server.app.service.apply(STORY, { type: "add_entry", entryId, ...rest }, { author: { name: n % 2 ? "Night desk" : "Day desk" }, at: at(n) });
    }
    for (const [factId, label, value] of [["f_injured", "Injured", "at least 11"], ["f_injured", "Injured", "at least 15"], ["f_shelters", "Shelters open", "42"]] as const) {
      await server.app.service.apply(STORY, { type: "set_fact", factId, label, value, source: "City administration" }, { ...desk, at: at(ENTRIES) });
    }
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ])("a shared link to update #300 lands on it in the live page (%s): loaded in place, focused, the rest readable on", SLOW, async (name, viewport) => {
    const target = ids[299]!;
    const { context, page } = await openPage(browser, `${server.url}/stories/${STORY}#${target}`, { viewport });
    await page.waitForFunction((id) => document.activeElement?.id === id, target, { timeout: 60_000 });
    await expect.poll(() => focusedInView(page, target), { timeout: 10_000 }).toBe(true);
    expect(await page.locator(`#${target}-title`).textContent()).toBe("Update 300");
    // In its place: the update before it in the stream (newer) and after it (older) stand around it.
    const around = await page.locator(".stream article.entry").evaluateAll(
      (articles, id) => {
        const index = articles.findIndex((article) => article.id === id);
        return [articles[index - 1]?.querySelector("h3")?.textContent, articles[index + 1]?.querySelector("h3")?.textContent];
      },
      target,
    );
    expect(around).toEqual(["Update 301", "Update 299"]);
    expect(await page.locator(".linked-update").textContent()).toBe("");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `update-link-live-${name}`);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("says plainly when a linked update was removed, or was never part of the story", SLOW, async () => {
    const removed = ids[10]!;
    expect((await server.api(`/api/stories/${STORY}/entries/${removed}`, { method: "DELETE" })).status).toBe(200);
    const { context, page } = await openPage(browser, `${server.url}/stories/${STORY}#${removed}`, { viewport: DESKTOP });
    const status = page.locator(".linked-update");
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe("The update your link points to was removed.");
    expect(await status.getAttribute("role")).toBe("status");
    await page.evaluate(() => (location.hash = "#e_NeverPosted1"));
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe("The update your link points to is not part of this story.");
    // The page's own HEAD requests for them answer 410 and 404: logged by the browser as failed loads.
    expect(pageErrors(page).filter((error) => !/status of (404|410)/.test(error))).toEqual([]);
    await context.close();
  });

  it.each([
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ])("the update's own page (%s): the update, its way back to its place, Share that copies its link", SLOW, async (name, viewport) => {
    const target = ids[299]!;
    const address = `${server.url}/stories/${STORY}/updates/${target}`;
    const { context, page } = await openPage(browser, address, { viewport });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Update 300");
    expect(await page.title()).toBe("Update 300 · A long night in Kyiv");
    // Without a share sheet (desktop Chromium on Linux has none), the link goes to the clipboard.
    await page.evaluate(() => Object.defineProperty(navigator, "share", { value: undefined, configurable: true }));
    const share = page.getByRole("button", { name: "Share" });
    expect(await share.getAttribute("aria-describedby")).toBe(`${target}-title`);
    await share.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(".share-status").textContent()).toBe("Link copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(address);
    expect(await page.locator(".share-status").getAttribute("role")).toBe("status");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `update-page-${name}`);

    // Back to live coverage: to its place among the numbered pages, which show it without a script.
    await page.getByRole("link", { name: "Back to live coverage" }).click();
    await page.waitForURL(/\?page=\d+#/);
    const landed = await page.evaluate((id) => {
      const box = document.getElementById(id)?.getBoundingClientRect();
      return box !== undefined && box.top >= -1 && box.top < innerHeight;
    }, target);
    expect(landed).toBe(true);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("a share sheet where the browser has one: the update's title and page", SLOW, async () => {
    const target = ids.at(-1)!;
    const { context, page } = await openPage(browser, `${server.url}/stories/${STORY}`, { viewport: PHONE });
    await page.evaluate(() => {
      const shared: ShareData[] = [];
      Object.assign(window, { shared });
      Object.defineProperty(navigator, "share", { value: async (data: ShareData) => void shared.push(data), configurable: true });
    });
    await page.locator(`#${target} .share-button`).click();
    expect(await page.evaluate(() => (window as unknown as { shared: ShareData[] }).shared)).toEqual([{ title: "Update 2000", url: `${server.url}/stories/${STORY}/updates/${target}` }]);
    expect(await page.locator(`#${target} .share-status`).textContent()).toBe("");
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("the embed's entries open their update's page, which shows that update", SLOW, async () => {
    const { context, page } = await openPage(browser, `${server.url}/embed/${STORY}?layout=list&maxItems=5`, { viewport: { width: 600, height: 800 } });
    const link = page.locator(".entry-link").first();
    expect(await link.getAttribute("href")).toBe(`${server.url}/stories/${STORY}/updates/${ids.at(-1)}`);
    const [opened] = await Promise.all([context.waitForEvent("page"), link.click()]);
    await opened!.waitForLoadState();
    expect(await opened!.getByRole("heading", { level: 1 }).textContent()).toBe("Update 2000");
    // The ticker strip links the same way.
    await page.goto(`${server.url}/stories/${STORY}/ticker`);
    expect(await page.locator(".item a").first().getAttribute("href")).toBe(`/stories/${STORY}/updates/${ids.at(-1)}`);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("an open update page follows an edit and a removal live; a fresh request is then 410", SLOW, async () => {
    const target = ids[1500]!;
    const { context, page } = await openPage(browser, `${server.url}/stories/${STORY}/updates/${target}`, { viewport: DESKTOP });
    await page.locator(".connection-live").waitFor({ timeout: 20_000 });
    // Another update's edit changes nothing here; this one's shows in place.
    expect((await server.api(`/api/stories/${STORY}/entries/${ids[1499]}`, { method: "PATCH", body: { body: "Someone else's correction." } })).status).toBe(200);
    expect((await server.api(`/api/stories/${STORY}/entries/${target}`, { method: "PATCH", body: { body: "Corrected: **two** districts." } })).status).toBe(200);
    await expect.poll(() => page.locator(`#${target} .body`).innerHTML(), { timeout: 20_000 }).toContain("Corrected: <strong>two</strong> districts.");
    expect(await page.locator(`#${target} .updated`).count()).toBe(1);
    expect((await server.api(`/api/stories/${STORY}/entries/${target}`, { method: "DELETE" })).status).toBe(200);
    await expect.poll(() => page.locator(".removed-note").textContent(), { timeout: 20_000 }).toMatch(/^This update was removed \u2068.+\u2069\.$/);
    expect(await page.locator(`#${target}`).count()).toBe(0);
    expect(await page.locator(".removed-note").getAttribute("role")).toBe("status");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "update-page-removed-live");
    expect((await page.request.get(`${server.url}/stories/${STORY}/updates/${target}`)).status()).toBe(410);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it.each([
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ])("the history of the 2,000-entry story (%s): 50 versions a page, older pages by link, a filter by author, each figure's record stacked on a phone", SLOW, async (name, viewport) => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${STORY}/history`, { viewport });
    expect(await page.locator(".versions > .version").count()).toBe(50);
    const figureCell = page.locator(".figure-timeline td").first();
    expect(await figureCell.evaluate((cell) => getComputedStyle(cell).display)).toBe(name === "phone" ? "grid" : "table-cell");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `history-paged-${name}`);
    await page.locator(".figure-timelines").scrollIntoViewIfNeeded();
    await screenshot(page, `history-figures-${name}`);

    await page.getByRole("link", { name: "Older versions" }).click();
    await page.waitForURL(/\?before=\d+$/);
    expect(await page.locator(".versions > .version").count()).toBe(50);
    await page.getByLabel("Who made the change").selectOption("Day desk");
    await page.getByRole("button", { name: "Show", exact: true }).click();
    await page.waitForURL(/author=Day\+desk/);
    const authors = await page.locator(".versions .author").allTextContents();
    expect(authors.length).toBeGreaterThan(0);
    expect(new Set(authors)).toEqual(new Set(["Day desk"]));
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `history-filtered-${name}`);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("changes to one update, from its page", SLOW, async () => {
    const target = ids.at(-3)!;
    expect((await server.api(`/api/stories/${STORY}/entries/${target}`, { method: "PATCH", body: { headline: "Update 1998, corrected" } })).status).toBe(200);
    const { context, page } = await openPage(browser, `${server.url}/stories/${STORY}/updates/${target}`, { viewport: PHONE });
    await page.getByRole("link", { name: "Changes to this update" }).click();
    await page.waitForURL(new RegExp(`/history\\?entry=${target}$`));
    expect(await page.locator(".versions > .version").count()).toBe(2); // added, then edited
    expect(await page.locator(".update-filter").textContent()).toContain("Update 1998, corrected");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "history-one-update-phone");
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });
});
