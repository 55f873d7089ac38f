import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../shared/story.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { contrasts, seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot } from "./browser.js";

/** WCAG 2.2 AA for normal-size text (SC 1.4.3); the badges are small bold capitals. */
const AA = 4.5;
const SCHEMES = ["light", "dark"] as const;
const DEVICES = { desktop: { width: 1366, height: 850 }, phone: { width: 390, height: 844 } };

describe.skipIf(browserMissing)("reader surfaces: contrast and axe-core in light and dark, on a desktop and a phone", () => {
  let server: TestServer;
  let browser: Browser;
  let live: Snapshot;
  let ended: Snapshot;

  const post = (story: Snapshot, body: Record<string, unknown>) => server.api(`/api/stories/${story.id}/entries`, { body });

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    live = (await (await server.api("/api/stories", { body: { title: "Kyiv strikes", summary: "Overnight attack on the capital" } })).json()) as Snapshot;
    ended = (await (await server.api("/api/stories", { body: { title: "Flood in Odesa" } })).json()) as Snapshot;
    await post(live, { body: "Sirens across the capital. Residents are urged to stay in shelters.", headline: "Air-raid alert in Kyiv", kind: "breaking", pinned: true });
    await post(live, { body: "Metro stations are open as shelters through the night.", headline: "Metro open as shelters", pinned: true });
    await post(live, { body: "Police now say 15 people were hurt, not 11.", headline: "Injury toll corrected", kind: "correction" });
    await post(live, { body: "Fire across **four floors** of a high-rise in Obolon." });
    await post(live, { body: "Rescuers reached the roof.", headline: "Rescue on the roof" });
    await post(ended, { body: "The water has gone down.", headline: "Water receding" });
    await server.api(`/api/stories/${ended.id}`, { method: "PATCH", body: { status: "ended" } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Every badge-like label on the page with its contrast; the ones under AA, by text. */
  const lowContrast = async (page: Page) => {
    const all = await contrasts(page.locator(".badge, .ticker .status, .ticker .label"));
    expect(all.length).toBeGreaterThan(0);
    return { all, low: all.filter(({ ratio }) => ratio < AA) };
  };

  for (const scheme of SCHEMES) {
    it.each(Object.entries(DEVICES))(`live page, ${scheme}, %s: badges at least ${AA}:1 and no serious axe violation`, async (device, viewport) => {
      // A returning reader, who also sees "New since your last visit".
      const { context, page } = await openPage(browser, `${server.url}/stories/${live.id}`, { viewport, colorScheme: scheme });
      await page.locator('[data-status="live"]').waitFor();
      await page.goto("about:blank");
      await post(live, { body: "Power is back in most districts.", headline: `Power restored (${scheme} ${device})` });
      await page.goto(`${server.url}/stories/${live.id}`);
      await page.locator('[data-status="live"]').waitFor();
      await page.locator(".badge-since").first().waitFor();

      const { all, low } = await lowContrast(page);
      expect(all.map(({ text }) => text)).toEqual(expect.arrayContaining(["Live", "Breaking", "Correction", "Key event", "New since your last visit"]));
      expect(low).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);
      expect(pageErrors(page)).toEqual([]);
      await screenshot(page, `live-page-${device}-${scheme}`);
      await context.close();
    });

    it(`the other reader surfaces, ${scheme}: badges at least ${AA}:1 and no serious axe violation`, async () => {
      const pages: [string, string, string][] = [
        ["ended", `/stories/${ended.id}`, ".story-header"],
        ["story-list", "/", ".story-list"],
        ["history", `/stories/${live.id}/history`, ".versions"],
        ["ticker", `/stories/${live.id}/ticker`, '.ticker[data-connection="live"]'],
        ["ticker-ended", `/stories/${ended.id}/ticker`, '.ticker[data-connection="live"]'],
        ["embed-list", `/embed/${live.id}?layout=list`, ".embed-list"],
      ];
      for (const [name, path, ready] of pages) {
        const { context, page } = await openPage(browser, `${server.url}${path}`, { viewport: DEVICES.phone, colorScheme: scheme });
        await page.locator(ready).first().waitFor();
        if (name !== "history") expect((await lowContrast(page)).low, name).toEqual([]);
        expect(await seriousViolations(page), name).toEqual([]);
        expect(pageErrors(page), name).toEqual([]);
        await screenshot(page, `${name}-phone-${scheme}`);
        await context.close();
      }
    }, 60_000); // six pages, each checked with axe-core: ~14 s alone, twice that beside other browser suites
  }
  it("says plainly on an ended story that the coverage is over, not that updates appear as they are posted", async () => {
    for (const [story, expected] of [
      [ended, "This coverage has ended; any later correction appears here"],
      [live, "Live: updates appear as they are posted"],
    ] as const) {
      const { context, page } = await openPage(browser, `${server.url}/stories/${story.id}`);
      const status = page.locator('.connection[data-status="live"]');
      await status.waitFor();
      await expect(status.textContent().then((text) => text?.trim())).resolves.toBe(expected);
      expect(pageErrors(page)).toEqual([]);
      await context.close();
    }
  });
});
