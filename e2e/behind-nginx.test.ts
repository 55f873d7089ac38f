/**
 * The live page in Chromium through the shipped nginx configuration (deploy/nginx.conf): nginx
 * serves its cached copy of an older version, and the page catches up over a WebSocket through
 * the proxy, at desktop and phone widths.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../shared/story.js";
import { freePort, startChild, stopChild, type Child } from "../server/test/child-server.js";
import { nginxMissing, startNginx, type Nginx } from "../server/test/nginx.js";
import { adminApi, pageSnapshot, postEntry } from "../server/test/proxied-readers.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot } from "./browser.js";

describe.skipIf(browserMissing || nginxMissing)("the live page behind nginx, in a real browser", { timeout: 90_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-e2e-nginx-"));
  let node: Child;
  let nginx: Nginx;
  let browser: Browser;
  let storyId: string;

  beforeAll(async () => {
    const proxyPort = await freePort();
    // A minute's s-maxage: the copy nginx keeps stays the one served for the whole test.
    node = await startChild(dataDir, { env: { PUBLIC_URL: `http://127.0.0.1:${proxyPort}`, TRUST_PROXY: "loopback", CACHE_S_MAXAGE: "60", WRITES_PER_MINUTE: "1000000" } });
    nginx = await startNginx([node.url], proxyPort);
    browser = await launchBrowser();
    const created = await adminApi(nginx.url, "/api/stories", { title: "Night of the storm" });
    storyId = ((await created.json()) as Snapshot).id;
    await postEntry(nginx.url, storyId, "Wind picks up along the coast");
    await postEntry(nginx.url, storyId, "Ferries stay in port");
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await nginx?.stop();
    if (node) await stopChild(node.process);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ["desktop", { width: 1280, height: 800 }],
    ["phone", { width: 390, height: 844 }],
  ])("on a %s, a page nginx served from its cache catches up over a WebSocket through it", async (name, viewport) => {
    const path = `/stories/${storyId}`;
    await fetch(nginx.url + path).then((res) => res.arrayBuffer());
    const kept = await fetch(nginx.url + path);
    const cached = pageSnapshot(await kept.text());
    const headline = `Posted after nginx kept its copy (${name})`;
    await postEntry(nginx.url, storyId, headline);
    const served = await fetch(nginx.url + path);
    expect(served.headers.get("x-cache-status")).toBe("HIT");
    expect(pageSnapshot(await served.text()).version).toBe(cached.version);

    const { context, page } = await openPage(browser, nginx.url + path, { viewport });
    await page.getByRole("heading", { name: headline }).waitFor({ timeout: 20_000 });
    await page.locator('[data-status="live"]').waitFor();
    expect(pageErrors(page)).toEqual([]);
    // The new entry slides in: the picture is taken once it has (a pulsing dot never finishes).
    await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running" || a.effect?.getComputedTiming().endTime === Infinity));
    await screenshot(page, `behind-nginx-live-${name}`);
    await context.close();
    // nginx logs the WebSocket (101 Switching Protocols) once it closes.
    await expect.poll(() => nginx.accessLog().some((line) => line.startsWith("101 ") && line.includes("/socket.io/?EIO=4&transport=websocket"))).toBe(true);
  });
});
