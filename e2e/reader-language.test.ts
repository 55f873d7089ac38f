import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../shared/story.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { browserMissing, launchBrowser, openPage, pageErrors } from "./browser.js";

/** Every timestamp a reader sees or hovers: the text of each <time> and the titles around them. */
const timeTexts = (page: Page) =>
  page.locator("time").evaluateAll((times) => times.flatMap((time) => [time.textContent ?? "", time.closest("[title]")?.getAttribute("title") ?? ""]));

describe.skipIf(browserMissing)("reader pages format times in the page's language, not the browser's", () => {
  let server: TestServer;
  let browser: Browser;
  let story: Snapshot;

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    story = (await (await server.api("/api/stories", { body: { title: "Kyiv strikes" } })).json()) as Snapshot;
    await server.api(`/api/stories/${story.id}/entries`, { body: { body: "Sirens across the capital.", headline: "Air-raid alert" } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it.each([
    ["live page", (id: string) => `/stories/${id}`, '[data-status="live"]'],
    ["history", (id: string) => `/stories/${id}/history`, "time"],
    ["ticker", (id: string) => `/stories/${id}/ticker`, '.ticker[data-connection="live"]'],
    ["embed list", (id: string) => `/embed/${id}?layout=list`, ".embed-list"],
  ])("%s: an English page reads English to a reader whose browser speaks Ukrainian", async (_name, path, ready) => {
    const { context, page } = await openPage(browser, `${server.url}${path(story.id)}`, { locale: "uk-UA", timezoneId: "Europe/Kyiv" });
    await page.locator(ready).first().waitFor();
    await expect(page.evaluate(() => navigator.language)).resolves.toBe("uk-UA"); // the browser does speak Ukrainian
    // Hydrated and mounted: the clock has switched from the server's UTC to the reader's zone.
    await expect.poll(() => timeTexts(page).then((texts) => texts.join(" | "))).not.toMatch(/UTC/);
    const texts = await timeTexts(page);
    expect(texts.filter((text) => text !== "").length).toBeGreaterThan(0);
    for (const text of texts) expect(text).not.toMatch(/\p{Script=Cyrillic}/u);
    if (ready.includes("data-status")) await expect(page.locator(".story-header time").textContent()).resolves.toBe("now");
    // A clock time has no words to give its language away; its 12-hour form does (English with no region is en-US).
    if (ready.includes("ticker")) await expect(page.locator(".ticker time").first().textContent()).resolves.toMatch(/^\d\d:\d\d [AP]M$/);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("keeps the reader's own English: a British reader gets a 24-hour clock", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${story.id}/ticker`, { locale: "en-GB", timezoneId: "Europe/London" });
    await page.locator('.ticker[data-connection="live"]').waitFor();
    await expect(page.locator(".ticker time").first().textContent()).resolves.toMatch(/^\d\d:\d\d$/);
    await context.close();

    const american = await openPage(browser, `${server.url}/stories/${story.id}/ticker`, { locale: "en-US", timezoneId: "America/New_York" });
    await american.page.locator('.ticker[data-connection="live"]').waitFor();
    await expect(american.page.locator(".ticker time").first().textContent()).resolves.toMatch(/^\d\d:\d\d [AP]M$/);
    await american.context.close();
  });
});
