import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EntryResponse } from "../shared/api.js";
import type { Snapshot } from "../shared/story.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { pageSnapshot } from "../server/test/proxied-readers.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot, unexpectedErrors } from "./browser.js";

describe.skipIf(browserMissing)("the live page in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let storyId: string;

  const post = async (body: string, extra: Record<string, unknown> = {}) => {
    const res = await server.api(`/api/stories/${storyId}/entries`, { body: { body, ...extra } });
    expect(res.status).toBe(201);
    return (await res.json()) as EntryResponse;
  };

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    const res = await server.api("/api/stories", { body: { title: "Kyiv strikes", summary: "Overnight attack on the capital" } });
    storyId = ((await res.json()) as Snapshot).id;
    await post("Sirens across the capital.", { headline: "Air-raid alert in Kyiv", kind: "breaking", pinned: true });
    for (let n = 1; n <= 12; n++) await post(`Update number ${n}. ${"Details from the scene. ".repeat(8)}`, { headline: `Update ${n}` });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("is readable with JavaScript off, with structured data and social tags", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${storyId}`, { javaScriptEnabled: false });
    await expect(page.locator("h1").textContent()).resolves.toBe("Kyiv strikes");
    await expect(page.locator("article.entry").count()).resolves.toBe(13);
    await expect(page.locator(".key-events article h3").textContent()).resolves.toBe("Air-raid alert in Kyiv");
    const jsonLd = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent())!);
    expect(jsonLd).toMatchObject({ "@type": "LiveBlogPosting", headline: "Kyiv strikes", coverageStartTime: expect.any(String) });
    expect(jsonLd.liveBlogUpdate).toHaveLength(13);
    expect(jsonLd.liveBlogUpdate[0]).toMatchObject({ "@type": "BlogPosting", headline: "Update 12" });
    await expect(page.locator('meta[property="og:title"]').getAttribute("content")).resolves.toBe("Kyiv strikes");
    await expect(page.title()).resolves.toBe("Kyiv strikes");
    await screenshot(page, "live-page-no-js");
    await context.close();
  });

  it("shows an update posted through the API within a second, without reload", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${storyId}`);
    await page.locator('[data-status="live"]').waitFor();
    const started = Date.now();
    await post("Explosions heard in the north of the city.", { headline: "Blasts in Obolon" });
    await page.getByRole("heading", { name: "Blasts in Obolon" }).waitFor({ timeout: 1000 });
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(page.locator(".stream article.entry").first().locator("h3").textContent()).resolves.toBe("Blasts in Obolon");
    expect(pageErrors(page)).toEqual([]);
    await screenshot(page, "live-page");
    await context.close();
  });

  it.each([
    ["phone", { width: 390, height: 844 }],
    ["desktop", { width: 1366, height: 850 }],
  ])("%s: holds new updates behind a button while the reader is scrolled down, then takes them to the newest", async (device, viewport) => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${storyId}`, { viewport });
    await page.locator('[data-status="live"]').waitFor();
    await page.evaluate(() => window.scrollTo(0, 1500));
    const before = await page.evaluate(() => window.scrollY);
    await post("Fire on four floors of a high-rise.", { headline: `Obolon high-rise on fire (${device})` });
    const newest = await post("Debris at a shopping centre.", { headline: `Debris at shopping centre (${device})` });
    const button = page.getByRole("button", { name: "2 new updates" });
    await button.waitFor();
    expect(await page.evaluate(() => window.scrollY)).toBe(before); // nothing moved
    await expect(page.getByRole("heading", { name: `Debris at shopping centre (${device})` }).count()).resolves.toBe(0);
    await screenshot(page, `live-page-new-updates-button-${device}`);
    await button.click();

    // The newest update is on screen (not the page's top, above the key events) and has focus.
    const article = page.locator(`#${newest.entry.id}`);
    await expect.poll(async () => {
      const box = (await article.boundingBox())!;
      return box.y >= 0 && box.y + Math.min(box.height, 100) <= viewport.height;
    }).toBe(true);
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe(newest.entry.id);
    await expect(article.evaluate((element) => getComputedStyle(element).outlineStyle)).resolves.toBe("solid");
    await expect(button.count()).resolves.toBe(0);
    await screenshot(page, `live-page-new-updates-revealed-${device}`);
    await context.close();
  });

  it("flips to oldest first and marks what changed since the last visit", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${storyId}`);
    await page.locator('[data-status="live"]').waitFor();
    await page.getByRole("button", { name: "Show oldest first" }).click();
    await expect(page.locator(".stream article h3").first().textContent()).resolves.toBe("Update 1");
    await page.close();

    // The reader comes back after an update and a correction.
    const { entry } = await post("Police now say at least 15 people were hurt.", { headline: "Injury toll rises" });
    const first = Object.values(((await (await server.api(`/api/stories/${storyId}`)).json()) as Snapshot).entries).find((e) => e.headline === "Update 1")!;
    await server.api(`/api/stories/${storyId}/entries/${first.id}`, { method: "PATCH", body: { body: "Corrected text.", kind: "correction" } });
    const again = await context.newPage();
    await again.goto(`${server.url}/stories/${storyId}`);
    await again.locator(`#${entry.id} .badge-since`).waitFor();
    await expect(again.locator(`#${entry.id} .badge-since`).textContent()).resolves.toBe("New since your last visit");
    await expect(again.locator(`#${first.id} .badge-since`).textContent()).resolves.toBe("Updated since your last visit");
    await expect(again.locator(`#${first.id} .updated`).textContent()).resolves.toMatch(/^Updated \d\d:\d\d( [AP]M)?$/);
    await context.close();
  });

  it("counts unseen updates in the title of a hidden tab", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${storyId}`);
    await page.locator('[data-status="live"]').waitFor();
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await post("One.", { headline: "Hidden one" });
    await post("Two.", { headline: "Hidden two" });
    await page.waitForFunction(() => document.title === "(2) Kyiv strikes");
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => false });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await page.waitForFunction(() => document.title === "Kyiv strikes");
    await context.close();
  });
});

describe.skipIf(browserMissing)("key events on a phone and on a desktop", () => {
  let server: TestServer;
  let browser: Browser;
  let storyId: string;
  const pinned: string[] = [];
  const PHONE = { width: 390, height: 844 };
  const DESKTOP = { width: 1366, height: 850 };

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    storyId = ((await (await server.api("/api/stories", { body: { title: "Kyiv strikes", summary: "Overnight attack on the capital" } })).json()) as Snapshot).id;
    const long = (what: string) => Array.from({ length: 4 }, (_, n) => `${what}, paragraph ${n + 1}. ${"Officials gave details at a briefing. ".repeat(4)}`).join("\n\n");
    for (const [headline, kind] of [["Air-raid alert in Kyiv", "breaking"], ["Metro stations open as shelters", "update"], ["Casualty figures corrected", "correction"]]) {
      const res = await server.api(`/api/stories/${storyId}/entries`, { body: { body: long(headline!), headline, kind, pinned: true } });
      pinned.push(((await res.json()) as EntryResponse).entry.id);
    }
    await server.api(`/api/stories/${storyId}/entries`, { body: { body: long("An update without a headline"), pinned: true } }).then(async (res) => pinned.push(((await res.json()) as EntryResponse).entry.id));
    for (let n = 1; n <= 5; n++) await server.api(`/api/stories/${storyId}/entries`, { body: { body: `Update number ${n}.`, headline: `Update ${n}` } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Where the stream's first update starts, from the top of the page. */
  const streamStart = (page: import("playwright-core").Page) => page.locator(".stream article.entry").first().evaluate((element) => element.getBoundingClientRect().top + window.scrollY);

  it.each([
    ["with JavaScript", true],
    ["without JavaScript", false],
  ])("phone, %s: one line per key event, so the latest updates start on the first screen", async (_how, javaScriptEnabled) => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${storyId}`, { viewport: PHONE, javaScriptEnabled });
    if (javaScriptEnabled) await page.locator('[data-status="live"]').waitFor();
    expect(await streamStart(page)).toBeLessThan(PHONE.height);
    const summaries = page.locator(".key-events summary");
    await expect(summaries.allTextContents().then((texts) => texts.map((text) => text.trim()))).resolves.toEqual([
      expect.stringMatching(/Air-raid alert in Kyiv$/), // newest pinned first, like the cards
      expect.stringMatching(/Metro stations open as shelters$/),
      expect.stringMatching(/Casualty figures corrected$/),
      expect.stringMatching(/An update without a headline, paragraph 1\./),
    ].reverse());
    await expect(page.locator(`#${pinned[0]} .body`).isVisible()).resolves.toBe(false);
    await screenshot(page, `live-page-phone-key-events${javaScriptEnabled ? "" : "-no-js"}`);

    // A tap opens one in place; a link to a key event (here from the address bar) opens it too.
    await summaries.filter({ hasText: "Air-raid alert in Kyiv" }).click();
    await expect(page.locator(`#${pinned[0]} .body`).isVisible()).resolves.toBe(true);
    await screenshot(page, `live-page-phone-key-event-open${javaScriptEnabled ? "" : "-no-js"}`);
    await page.goto(`${server.url}/stories/${storyId}#${pinned[1]}`);
    await expect(page.locator(`#${pinned[1]} .body`).isVisible()).resolves.toBe(true);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("phone: a key event added since the reader's last visit says so on its line", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${storyId}`, { viewport: PHONE });
    await page.locator('[data-status="live"]').waitFor();
    await page.goto("about:blank");
    const res = await server.api(`/api/stories/${storyId}/entries`, { body: { body: "Trains are running again.", headline: "Rail traffic resumes", pinned: true } });
    const { entry } = (await res.json()) as EntryResponse;
    await page.goto(`${server.url}/stories/${storyId}`);
    const line = page.locator(".key-events summary", { hasText: "Rail traffic resumes" });
    await line.locator(".badge-since", { hasText: "New" }).waitFor();
    await expect(page.locator(".key-events summary .badge-since").count()).resolves.toBe(1);
    await server.api(`/api/stories/${storyId}/entries/${entry.id}`, { method: "DELETE" });
    await context.close();
  });

  it("desktop: key events in full, as before", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${storyId}`, { viewport: DESKTOP });
    await page.locator('[data-status="live"]').waitFor();
    await expect(page.locator(".key-events summary").first().isVisible()).resolves.toBe(false);
    for (const id of pinned) await expect(page.locator(`#${id} .body`).isVisible()).resolves.toBe(true);
    await expect(page.getByRole("heading", { name: "Air-raid alert in Kyiv" }).isVisible()).resolves.toBe(true);
    expect(await streamStart(page)).toBeGreaterThan(DESKTOP.height); // unchanged: the full key events come first
    await context.close();
  });

  it("keeps every body it was served once live: its page data carries no entry's HTML, the page reads it back", async () => {
    const story = ((await (await server.api("/api/stories", { body: { title: "Bodies kept" } })).json()) as Snapshot).id;
    const add = async (body: string, extra: Record<string, unknown>) =>
      ((await (await server.api(`/api/stories/${story}/entries`, { body: { body, ...extra } })).json()) as EntryResponse).entry.id;
    const key = await add("Shelters are open **all night** & [the list](https://example.org/shelters) is online.", { headline: "Shelters open", pinned: true });
    const plain = await add("Trains run again on the *north* line.", { headline: "Trains back" });
    const served = pageSnapshot(await (await fetch(`${server.url}/stories/${story}`)).text());
    expect(Object.values(served.entries).map((entry) => entry.html)).toEqual(["", ""]); // the HTML once, in the markup

    const { context, page } = await openPage(browser, `${server.url}/stories/${story}`, { viewport: DESKTOP });
    await page.locator('[data-status="live"]').waitFor();
    // An edit that leaves the body alone (a new entry object, the same HTML), and an unpinned key event
    // that moves into the stream, where a new card renders it from the HTML read back.
    await server.api(`/api/stories/${story}/entries/${plain}`, { method: "PATCH", body: { headline: "Trains back on the north line" } });
    await server.api(`/api/stories/${story}/entries/${key}`, { method: "PATCH", body: { pinned: false } });
    await page.getByRole("heading", { name: "Trains back on the north line" }).waitFor();
    await page.locator(`.stream #${key}`).waitFor();
    await expect(page.locator(`#${plain} .body`).innerHTML()).resolves.toContain("Trains run again on the <em>north</em> line.");
    await expect(page.locator(`#${key} .body strong`).textContent()).resolves.toBe("all night");
    await expect(page.locator(`#${key} .body a`).getAttribute("href")).resolves.toBe("https://example.org/shelters");
    await expect(page.locator(`#${key} .body`).textContent()).resolves.toContain("& the list is online.");
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });
});

describe.skipIf(browserMissing)("the live page across a server restart", () => {
  it("shows it is reconnecting, then catches up without duplicates or a reload", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-restart-"));
    let server = await startServer({ pages: true, dataDir });
    const { url } = server;
    const port = Number(new URL(url).port);
    const browser = await launchBrowser();
    try {
      const created = (await (await server.api("/api/stories", { body: { title: "Restart story" } })).json()) as Snapshot;
      const path = `/api/stories/${created.id}/entries`;
      await server.api(path, { body: { body: "Before the restart.", headline: "Before" } });
      const { page } = await openPage(browser, `${url}/stories/${created.id}`);
      await page.locator('[data-status="live"]').waitFor();
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42)); // survives only without a reload

      await server.close();
      await page.locator('[data-status="reconnecting"]').waitFor();
      await expect(page.locator(".connection").textContent()).resolves.toMatch(/Reconnecting… last update/);
      await screenshot(page, "live-page-reconnecting");

      server = await startServer({ pages: true, dataDir, port });
      for (const headline of ["After 1", "After 2", "After 3"]) await server.api(path, { body: { body: "Posted while the reader was away.", headline } });
      await page.locator('[data-status="live"]').waitFor({ timeout: 15_000 });
      await page.getByRole("heading", { name: "After 3" }).waitFor();
      await expect(page.locator("article.entry h3").allTextContents()).resolves.toEqual(["After 3", "After 2", "After 1", "Before"]);
      await expect(page.evaluate(() => (window as unknown as { marker: number }).marker)).resolves.toBe(42);
      // While the server is down, a reconnection attempt may be refused: the only error allowed.
      expect(unexpectedErrors(page, /net::ERR_CONNECTION_REFUSED/)).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
