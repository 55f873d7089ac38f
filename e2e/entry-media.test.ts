import type { Browser, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EntryResponse } from "../shared/api.js";
import type { ImageItem, MediaItem } from "../shared/media.js";
import type { Snapshot } from "../shared/story.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot } from "./browser.js";
import { uploadPhoto as uploadFor } from "./photos.js";

const VIDEO_URL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
const NOCOOKIE = "https://www.youtube-nocookie.com";
const DEVICES = { desktop: { width: 1366, height: 850 }, phone: { width: 390, height: 844 } };

/** The directives of a Content-Security-Policy header, by name. */
function directives(policy: string | null): Map<string, string[]> {
  return new Map((policy ?? "").split(";").map((part) => part.trim().split(/\s+/)).filter(([name]) => name).map(([name, ...values]) => [name!, values]));
}

describe.skipIf(browserMissing)("photos and embeds on the reader pages, in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  /** A story with a photo entry and an entry with a YouTube video; one with text only. */
  let story: Snapshot;
  let plain: Snapshot;
  let photo: ImageItem;

  const createStory = async (title: string) => (await (await server.api("/api/stories", { body: { title, summary: "Overnight attack on the capital" } })).json()) as Snapshot;
  const post = async (storyId: string, body: Record<string, unknown>) => {
    const res = await server.api(`/api/stories/${storyId}/entries`, { body });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as EntryResponse;
  };

  const uploadPhoto = (width: number, height: number) => uploadFor(browser, server, width, height);

  /** Opens `url` with every request the page makes to another host recorded from the first one on. */
  async function openCounting(url: string, options: Parameters<typeof openPage>[2] = {}) {
    const { context, page } = await openPage(browser, "about:blank", options);
    page.setDefaultTimeout(10_000);
    const thirdParty: Request[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).origin !== server.url) thirdParty.push(request);
    });
    // No network here: the platform's player is a stand-in page, so the frame loads and can be asserted on.
    await context.route(`${NOCOOKIE}/**`, (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>player</title><p>player</p>" }));
    await page.goto(url);
    return { context, page, thirdParty };
  }

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    story = await createStory("Kyiv strikes");
    plain = await createStory("Flood in Odesa");
    await post(plain.id, { body: "The water has gone down.", headline: "Water receding" });
    const uploaded = await uploadPhoto(1200, 800);
    const { entry: withPhoto } = await post(story.id, {
      headline: "Smoke over Obolon",
      body: "A high-rise burns after the strike.",
      media: [{ type: "image", id: uploaded.id, alt: "Smoke rising over apartment blocks at dawn", caption: "Obolon district, 06:10", credit: "Kyiv City Administration" }],
    });
    photo = withPhoto.media![0] as ImageItem;
    await post(story.id, { headline: "The mayor's statement", body: "Vitali Klitschko spoke from the scene.", media: [{ type: "embed", url: VIDEO_URL }] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("stores the photo with its size, and the embed with its platform", async () => {
    expect(photo).toMatchObject({ type: "image", width: 1200, height: 800, alt: "Smoke rising over apartment blocks at dawn" });
    const latest = (await (await server.api(`/api/stories/${story.id}`)).json()) as Snapshot;
    const media = Object.values(latest.entries).flatMap((entry) => entry.media ?? []);
    expect(media).toContainEqual<MediaItem>({ type: "embed", provider: "youtube", url: VIDEO_URL });
  });

  it("loads nothing from YouTube until the reader asks, then shows the privacy-enhanced player and moves focus to it", async () => {
    const { context, page, thirdParty } = await openCounting(`${server.url}/stories/${story.id}`);
    await page.locator('[data-status="live"]').waitFor();
    const button = page.getByRole("button", { name: "Show YouTube video" });
    await button.waitFor();
    await expect(page.getByRole("link", { name: "Watch on YouTube" }).getAttribute("href")).resolves.toBe(VIDEO_URL);
    await page.waitForLoadState("networkidle");
    expect(thirdParty.map((request) => request.url())).toEqual([]);
    await expect(page.locator("iframe").count()).resolves.toBe(0);

    await button.click();
    const frame = page.locator('iframe[title="YouTube video"]');
    await frame.waitFor();
    await expect(frame.getAttribute("src")).resolves.toBe(`${NOCOOKIE}/embed/dQw4w9WgXcQ`);
    await expect(frame.getAttribute("sandbox")).resolves.toBe("allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-presentation");
    await expect(frame.getAttribute("referrerpolicy")).resolves.toBe("strict-origin-when-cross-origin");
    await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.toBe("IFRAME");
    await expect.poll(() => thirdParty.map((request) => new URL(request.url()).origin)).toContain(NOCOOKIE);
    // The player really loaded: the page's CSP let exactly this frame in (a violation would be in pageErrors).
    await expect.poll(async () => page.frames().some((f) => f.url() === `${NOCOOKIE}/embed/dQw4w9WgXcQ`)).toBe(true);
    await expect(page.getByRole("button", { name: "Show YouTube video" }).count()).resolves.toBe(0);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("allows exactly the frames a page shows in its CSP, and none on a page without embeds", async () => {
    const withEmbed = directives((await fetch(`${server.url}/stories/${story.id}`)).headers.get("content-security-policy"));
    expect(withEmbed.get("frame-src")).toEqual([NOCOOKIE]);
    expect(withEmbed.get("frame-ancestors")).toEqual(["'self'"]);
    for (const path of [`/stories/${plain.id}`, `/stories/${story.id}/history`, `/stories/${story.id}/ticker`, `/embed/${story.id}?layout=list`, "/"]) {
      const policy = directives((await fetch(`${server.url}${path}`)).headers.get("content-security-policy"));
      expect(policy.get("frame-src"), path).toBeUndefined();
      expect(policy.get("default-src"), path).toEqual(["'self'"]);
    }
  });

  it("offers no player for an embed from a platform the page's CSP does not allow (one that arrived live): a link instead", async () => {
    const fresh = await createStory("Odesa port");
    await post(fresh.id, { headline: "Port video", body: "Footage from the port.", media: [{ type: "embed", url: "https://www.youtube.com/watch?v=aaaaaaaaaaa" }] });
    const { context, page, thirdParty } = await openCounting(`${server.url}/stories/${fresh.id}`);
    await page.locator('[data-status="live"]').waitFor();
    await post(fresh.id, { headline: "Statement on X", body: "The governor posted.", media: [{ type: "embed", url: "https://x.com/OdesaGovernor/status/1790000000000000000" }] });
    const link = page.getByRole("link", { name: "View on X" });
    await link.waitFor();
    await expect(page.getByRole("button", { name: "Show post on X" }).count()).resolves.toBe(0);
    await expect(page.getByRole("button", { name: "Show YouTube video" }).count()).resolves.toBe(1);
    expect(thirdParty).toEqual([]);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("without JavaScript, shows the photo and the embed as a plain link (no button that would do nothing)", async () => {
    const { context, page, thirdParty } = await openCounting(`${server.url}/stories/${story.id}`, { javaScriptEnabled: false });
    await expect(page.getByRole("link", { name: "Watch on YouTube" }).getAttribute("href")).resolves.toBe(VIDEO_URL);
    await expect(page.getByRole("button", { name: "Show YouTube video" }).count()).resolves.toBe(0);
    await expect(page.getByRole("img", { name: photo.alt }).count()).resolves.toBe(1);
    await expect(page.locator("figure.photo figcaption").first().textContent()).resolves.toContain("Photo: Kyiv City Administration");
    expect(thirdParty).toEqual([]);
    await context.close();
  });

  it("shows a photo posted while the page is open, sized before it loads, with every served size and format", async () => {
    const { context, page } = await openCounting(`${server.url}/stories/${story.id}`, { viewport: DEVICES.phone });
    await page.locator('[data-status="live"]').waitFor();
    const uploaded = await uploadPhoto(800, 1000);
    await post(story.id, {
      headline: "Rescuers at work",
      body: "Firefighters on the ladder.",
      media: [{ type: "image", id: uploaded.id, alt: "Firefighters on a ladder against a burnt facade" }],
    });
    const img = page.getByRole("img", { name: "Firefighters on a ladder against a burnt facade" });
    await img.waitFor();
    const picture = page.locator("picture", { has: img });
    await expect(img.getAttribute("width")).resolves.toBe("800");
    await expect(img.getAttribute("height")).resolves.toBe("1000");
    await expect(picture.locator("source").evaluateAll((sources) => sources.map((s) => s.getAttribute("type")))).resolves.toEqual(["image/avif", "image/webp"]);
    // An 800 px photo is served at 480 and at its own 800 (named 960): never upscaled.
    await expect(img.getAttribute("srcset")).resolves.toBe(`/media/${uploaded.id}/480.jpeg 480w, /media/${uploaded.id}/960.jpeg 800w`);
    await expect(img.getAttribute("decoding")).resolves.toBe("async");
    // The newest entry is on the first screen: its photo is not lazy; the older one is.
    await expect(img.getAttribute("loading")).resolves.toBe("eager");
    await expect(page.getByRole("img", { name: photo.alt }).getAttribute("loading")).resolves.toBe("lazy");
    // Laid out at its aspect ratio before a byte of it arrived, and then really loaded from this server.
    const box = (await img.boundingBox())!;
    expect(Math.abs(box.height / box.width - 1000 / 800)).toBeLessThan(0.02);
    await expect.poll(() => img.evaluate((element: HTMLImageElement) => element.complete && element.naturalWidth > 0)).toBe(true);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  for (const scheme of ["light", "dark"] as const) {
    for (const [device, viewport] of Object.entries(DEVICES)) {
      it(`${scheme}, ${device}: no serious axe-core violation with a photo and an embed placeholder; screenshot`, async () => {
        const { context, page } = await openCounting(`${server.url}/stories/${story.id}`, { viewport, colorScheme: scheme });
        await page.locator('[data-status="live"]').waitFor();
        await page.getByRole("button", { name: "Show YouTube video" }).waitFor();
        // The entry with the video on top, the one with the captioned photo under it.
        await page.getByRole("heading", { name: "The mayor's statement" }).evaluate((heading) => heading.closest("article")!.scrollIntoView({ block: "start" }));
        await expect(seriousViolations(page)).resolves.toEqual([]);
        await screenshot(page, `entry-media-${scheme}-${device}`);
        expect(pageErrors(page)).toEqual([]);
        await context.close();
      });
    }
  }

  it("ticker, embed widget and history show media as marks and links, and load nothing from platforms", async () => {
    const read = async (path: string) => {
      const { context, page, thirdParty } = await openCounting(`${server.url}${path}`);
      await page.waitForLoadState("load");
      return { context, page, thirdParty };
    };

    const ticker = await read(`/stories/${story.id}/ticker`);
    await expect(ticker.page.locator(".copy:not(.copy-repeat)").getByRole("link", { name: /Smoke over Obolon \(with photo\)/ }).count()).resolves.toBe(1);
    await expect(ticker.page.locator(".copy:not(.copy-repeat)").getByRole("link", { name: /The mayor's statement \(with video\)/ }).count()).resolves.toBe(1);
    expect(ticker.thirdParty).toEqual([]);
    await screenshot(ticker.page, "entry-media-ticker");
    await ticker.context.close();

    const widget = await read(`/embed/${story.id}?layout=list`);
    const thumbnail = widget.page.getByRole("img", { name: photo.alt });
    await expect(thumbnail.getAttribute("loading")).resolves.toBe("lazy");
    await expect(thumbnail.getAttribute("sizes")).resolves.toBe("12rem");
    await expect(widget.page.getByRole("link", { name: "YouTube video" }).getAttribute("href")).resolves.toBe(VIDEO_URL);
    await expect(widget.page.locator("iframe").count()).resolves.toBe(0);
    expect(widget.thirdParty).toEqual([]);
    await screenshot(widget.page, "entry-media-widget-list");
    await widget.context.close();

    // An edit that takes the video out again: the history says so, as a link.
    const latest = (await (await server.api(`/api/stories/${story.id}`)).json()) as Snapshot;
    const mayor = Object.values(latest.entries).find((entry) => entry.headline === "The mayor's statement")!;
    const edited = await server.api(`/api/stories/${story.id}/entries/${mayor.id}`, { method: "PATCH", body: { media: [] } });
    expect(edited.status, await edited.clone().text()).toBe(200);

    const history = await read(`/stories/${story.id}/history`);
    for (const summary of ["Smoke over Obolon", "The mayor's statement"]) {
      const closed = history.page.locator("li.version", { hasText: summary }).getByRole("button", { name: "Show changes" });
      while ((await closed.count()) > 0) await closed.first().click();
    }
    await history.page.getByText("YouTube video removed:").waitFor();
    await expect(history.page.getByRole("link", { name: photo.alt }).first().getAttribute("href")).resolves.toBe(`/media/${photo.id}/1600.jpeg`);
    // The link leads to the photo itself (the 1200 px original's largest variant).
    const full = await fetch(`${server.url}/media/${photo.id}/1600.jpeg`);
    expect([full.status, full.headers.get("content-type")]).toEqual([200, "image/jpeg"]);
    await expect(history.page.getByRole("link", { name: VIDEO_URL }).first().getAttribute("href")).resolves.toBe(VIDEO_URL);
    // The panel of the version that added the video loads on its own: wait for it rather than count at once.
    await history.page.getByText("YouTube video:").first().waitFor();
    await screenshot(history.page, "entry-media-history");
    expect(history.thirdParty).toEqual([]);
    expect(pageErrors(history.page)).toEqual([]);
    await history.context.close();
  });
});
