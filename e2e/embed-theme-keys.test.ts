import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embedSnippet } from "../shared/embed-snippet.js";
import type { Snapshot } from "../shared/story.js";
import { createAccount } from "../server/auth/accounts-service.js";
import { hashPassword } from "../server/auth/passwords.js";
import { startServer, UNTHROTTLED, type TestServer } from "../server/test/harness.js";
import { focusedName, seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot, SIGNED_OUT, unexpectedErrors } from "./browser.js";

const PASSWORD = "correct horse battery";
const DEVICES = { phone: { width: 390, height: 844 }, desktop: { width: 1366, height: 850 } };

/**
 * The embed as a publisher and an editor meet it: a snippet that is light unless told otherwise,
 * "auto" following the host page's color-scheme (not the reader's system), an accent colour, the
 * strip one Tab stop with arrow keys inside it, and the desk's Embed dialog with a live preview.
 */
describe.skipIf(browserMissing)("the embed: theme, accent, keyboard and the desk's panel", () => {
  let server: TestServer;
  let browser: Browser;
  let story: Snapshot;
  /** The publisher's page, whatever `head` and `snippet` say at the time it is asked for. */
  let hostHead = "";
  let hostSnippet = "";
  let host: Server;
  let hostUrl: string;

  beforeAll(async () => {
    server = await startServer({ pages: true, env: UNTHROTTLED });
    browser = await launchBrowser();
    story = (await (await server.api("/api/stories", { body: { title: "Kyiv strikes" } })).json()) as Snapshot;
    for (const headline of ["Air-raid alert in Kyiv", "Metro stations open as shelters", "Six missiles intercepted"]) {
      await server.api(`/api/stories/${story.id}/entries`, { body: { headline, body: `${headline}. More detail.` } });
    }
    host = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><html><head><meta charset="utf-8"><title>The Daily Example</title>${hostHead}
<style>body{font-family:Georgia,serif;max-width:760px;margin:2rem auto;background:#fbf6ea;color:#222}</style></head>
<body><h1>The Daily Example</h1><p>Our partner's live coverage:</p>${hostSnippet}<p>Article text continues…</p></body></html>`),
    );
    await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/`;
    const { user } = await createAccount(server.app.store.accounts, "embed-ed", "editor");
    await server.app.store.accounts.updateUser(user.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => host?.close(resolve));
    await server?.close();
  });

  const widget = async (page: Page): Promise<Frame> => {
    await expect.poll(() => page.frames().filter((f) => f.url().startsWith(`${server.url}/embed/`)).length, { timeout: 5000 }).toBe(1);
    const frame = page.frames().find((f) => f.url().startsWith(`${server.url}/embed/`))!;
    await frame.locator(".ticker").waitFor();
    return frame;
  };

  it("the snippet says light unless another theme is chosen", () => {
    expect(embedSnippet(server.url, story)).toContain('data-theme="light"');
    expect(embedSnippet(server.url, story, { theme: "auto", accent: "#c0392b" })).toMatch(/data-theme="auto".*data-accent="#c0392b"/);
    // Anything but a hex colour is left out, never written into the page.
    expect(embedSnippet(server.url, story, { accent: 'red" onload="x' })).not.toContain("data-accent");
  });

  it.each([
    ["declares nothing", "light", ""],
    ["offers light and dark by its meta tag", "auto", '<meta name="color-scheme" content="light dark">'],
    ["is dark only by CSS", "dark", "<style>:root{color-scheme:dark}</style>"],
    ["says light in CSS though its meta offers both", "light", '<meta name="color-scheme" content="light dark"><style>:root{color-scheme:light}</style>'],
  ])("a dark-mode reader, a host page that %s: data-theme=auto gives the %s widget", async (_what, theme, head) => {
    hostHead = head;
    hostSnippet = embedSnippet(server.url, story, { theme: "auto", accent: "#a0522d" });
    const { context, page } = await openPage(browser, hostUrl, { colorScheme: "dark" });
    const frame = await widget(page);
    const url = new URL(frame.url());
    expect(url.searchParams.get("theme")).toBe(theme);
    expect(url.searchParams.get("accent")).toBe("#a0522d");
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("the strip is one Tab stop: arrow keys walk Pause, the story and the items, then Tab goes to Open full coverage", async () => {
    hostHead = "";
    hostSnippet = embedSnippet(server.url, story);
    const { context, page } = await openPage(browser, hostUrl, { viewport: DEVICES.desktop });
    const frame = await widget(page);
    await frame.locator(".toggle").focus();
    const names = [(await focusedName(frame)).name];
    for (let step = 0; step < 4; step++) {
      await page.keyboard.press("ArrowRight");
      names.push((await focusedName(frame)).name);
    }
    expect(names).toEqual([
      "Pause ticker",
      expect.stringContaining("Kyiv strikes"),
      expect.stringContaining("Six missiles intercepted"),
      expect.stringContaining("Metro stations open as shelters"),
      expect.stringContaining("Air-raid alert in Kyiv"),
    ]);
    await page.keyboard.press("ArrowRight"); // the last item stays: no wrap into nowhere
    expect((await focusedName(frame)).name).toContain("Air-raid alert in Kyiv");
    await page.keyboard.press("Home");
    expect((await focusedName(frame)).name).toContain("Pause ticker");
    await page.keyboard.press("End");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab"); // back in: the strip remembers where the reader was
    expect((await focusedName(frame)).name).toContain("Air-raid alert in Kyiv");
    await page.keyboard.press("Tab");
    expect((await focusedName(frame)).name).toBe("Open full coverage");
    // Exactly one element of the strip is in the Tab order.
    await expect(frame.locator(".ticker").evaluate((strip) => [...strip.querySelectorAll("a, button")].filter((el) => (el as HTMLElement).tabIndex >= 0).length)).resolves.toBe(1);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  for (const scheme of ["light", "dark"] as const) {
    for (const [device, viewport] of Object.entries(DEVICES)) {
      it(`${scheme}, ${device}: a light host page with the default snippet, and the desk's Embed dialog with its live preview`, async () => {
        hostHead = "";
        hostSnippet = embedSnippet(server.url, story);
        const { context, page } = await openPage(browser, hostUrl, { viewport, colorScheme: scheme });
        const frame = await widget(page);
        // The default snippet is light whatever the reader's system: no black box on a cream page.
        await expect(frame.locator(".ticker").evaluate((strip) => getComputedStyle(strip).backgroundColor)).resolves.toBe("rgb(255, 255, 255)");
        expect(await seriousViolations(frame)).toEqual([]);
        await screenshot(page, `reader29-embed-host-${device}-${scheme}`);

        await page.goto(`${server.url}/editor#story=${story.id}`);
        const form = page.getByTestId("login-form");
        await form.getByLabel("Username").fill("embed-ed");
        await form.getByLabel("Password").fill(PASSWORD);
        await form.getByRole("button", { name: "Sign in" }).click();
        const open = page.getByTestId("embed-open");
        // In the story's header, above the composer: not under the whole list of updates.
        await expect(open.evaluate((button) => button.closest("header")?.className)).resolves.toContain("workspace-head");
        await open.click();
        const dialog = page.getByRole("dialog", { name: "Embed" });
        await dialog.waitFor();
        const preview = page.frameLocator('[data-testid="embed-preview"]');
        await preview.locator(".ticker").waitFor();
        await expect(dialog.getByTestId("embed-snippet").inputValue()).resolves.toContain('data-theme="light"');
        await dialog.getByLabel("Own accent colour").check();
        await dialog.getByTestId("embed-accent").fill("#a0522d");
        await expect(dialog.getByTestId("embed-snippet").inputValue()).resolves.toContain('data-accent="#a0522d"');
        await expect.poll(() => dialog.getByTestId("embed-preview").getAttribute("src")).toContain("accent=%23a0522d");
        await preview.locator(".ticker").waitFor();
        await dialog.getByLabel("Layout").selectOption("list");
        await preview.locator(".embed-list").waitFor();
        await expect(preview.getByRole("link", { name: "Open full coverage" }).evaluate((link) => getComputedStyle(link).color)).resolves.toBe("rgb(160, 82, 45)");
        expect(await seriousViolations(page)).toEqual([]);
        await screenshot(page, `reader29-desk-embed-${device}-${scheme}`);
        await page.keyboard.press("Escape");
        await dialog.waitFor({ state: "hidden" });
        await expect(open.evaluate((button) => button === document.activeElement)).resolves.toBe(true);
        await expect(page.locator('[data-testid="embed-preview"]').count()).resolves.toBe(0);
        expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
        await context.close();
      });
    }
  }
});
