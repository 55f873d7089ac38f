import type { Browser, Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../shared/story.js";
import { hashPassword } from "../server/auth/passwords.js";
import { createAccount } from "../server/auth/accounts-service.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, screenshot, SIGNED_OUT, UNKNOWN_WRITE, unexpectedErrors } from "./browser.js";

/**
 * The desk, issue 29: a write whose answer was lost settles by itself (it went out, or it did not
 * and the form's button sends it); toasts cover no control; the audience sparkline from a zero
 * baseline with its peak named; the Ukrainian desk's hidden headings and stale figures; the
 * phone composer's Publish in reach; and the sign-in form on a server with no account yet.
 */

const PASSWORD = "correct horse battery";
const STORY = "outcomes";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 850 };
type Scheme = "light" | "dark";

describe.skipIf(browserMissing)("the desk settles lost answers, places its toasts and draws its audience (issue 29)", () => {
  let server: TestServer;
  let browser: Browser;

  const deskPage = async (username: string, viewport = DESKTOP, colorScheme: Scheme = "light") => {
    const { context, page } = await openPage(browser, `${server.url}/editor#story=${STORY}`, { viewport, colorScheme });
    const form = page.getByTestId("login-form");
    await form.locator('input[name="username"]').fill(username);
    await form.locator('input[name="password"]').fill(PASSWORD);
    await form.locator('button[type="submit"]').click();
    await page.locator('.workspace-head [data-status="live"]').waitFor();
    return { context, page };
  };
  const story = async () => (await (await server.api(`/api/stories/${STORY}`)).json()) as Snapshot;

  beforeAll(async () => {
    // Sampled every 300 ms, so the sparkline has a line to draw at once.
    server = await startServer({ pages: true, audienceSampleMs: 300 });
    browser = await launchBrowser();
    for (const [name, deskLanguage, role] of [["nadia", "en", "editor"], ["oksana", "uk", "editor"], ["cora", "en", "contributor"]] as const) {
      const { user } = await createAccount(server.app.store.accounts, name, role);
      await server.app.store.accounts.updateUser(user.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false, deskLanguage });
    }
    expect((await server.api("/api/stories", { body: { id: STORY, title: "Storm over the coast" } })).status).toBe(201);
    expect((await server.api(`/api/stories/${STORY}/entries`, { body: { body: "Winds reach 90 km/h on the coast." } })).status).toBe(201);
    expect((await server.api(`/api/stories/${STORY}/facts/f_wind`, { method: "PUT", body: { label: "Top wind", value: "90 km/h", source: "Met office" } })).status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** The next request matching `method` and `url` reaches the server, but its answer is lost on the way back. */
  const loseAnswer = (page: Page, method: string, url: RegExp) =>
    page.route(url, async (route: Route) => {
      if (route.request().method() !== method) return route.fallback();
      await route.fetch(); // the server takes it...
      await route.abort("connectionreset"); // ...and the desk never hears
    }, { times: 1 });
  /** The next request matching `method` and `url` never reaches the server. */
  const dropRequest = (page: Page, method: string, url: RegExp) =>
    page.route(url, (route: Route) => (route.request().method() === method ? route.abort("connectionreset") : route.fallback()), { times: 1 });

  it("asks the server what became of a write whose answer was lost: 'went out at …' or 'not sent', for updates, pins and figures", { timeout: 120_000 }, async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const { context, page } = await deskPage("nadia", DESKTOP, colorScheme);
      const composer = page.getByTestId("composer");
      const headline = `Ferries suspended (${colorScheme})`;

      // An update that never reached the server: the desk finds out, and Publish sends it.
      await dropRequest(page, "POST", /\/api\/stories\/outcomes\/entries$/);
      await composer.getByLabel(/Headline/).fill(headline);
      await composer.getByLabel(/Update/).fill("No ferries leave Odesa until the storm passes.");
      await composer.getByTestId("publish").click();
      await composer.getByRole("alert").filter({ hasText: "may or may not have gone out" }).waitFor();
      await composer.getByRole("alert").filter({ hasText: "Not sent: the server never received your update" }).waitFor({ timeout: 15_000 });
      await expect(composer.getByTestId("publish").textContent()).resolves.toContain("Publish");
      await screenshot(page, `desk-write-not-sent-desktop-${colorScheme}`);
      expect(Object.values((await story()).entries).filter((entry) => entry.headline === headline)).toHaveLength(0);
      await composer.getByTestId("publish").click();
      await page.locator(".desk-entry", { hasText: headline }).waitFor();
      expect(Object.values((await story()).entries).filter((entry) => entry.headline === headline)).toHaveLength(1);

      // A pin the server made although its answer was lost: settled as done, and not applied twice.
      const entry = page.locator(".desk-entry", { hasText: headline });
      const before = (await story()).version;
      await loseAnswer(page, "PATCH", /\/api\/stories\/outcomes\/entries\/[^/]+$/);
      await entry.getByTestId("pin").click();
      const settled = page.getByTestId("write-settled");
      await settled.waitFor({ timeout: 15_000 });
      expect(await settled.textContent()).toMatch(/^It went out at \d\d:\d\d( [AP]M)? ✓ \(your change; its answer had been lost on the way back\)\.$/);
      expect(await settled.getAttribute("role")).toBe("status");
      const after = await story();
      expect(after.version).toBe(before + 1);
      expect(Object.values(after.entries).find((e) => e.headline === headline)?.pinned).toBe(true);
      await settled.scrollIntoViewIfNeeded();
      await screenshot(page, `desk-write-went-out-desktop-${colorScheme}`);
      expect(await seriousViolations(page)).toEqual([]);
      await entry.getByTestId("pin").click(); // unpinned again, for the next round
      await expect.poll(async () => Object.values((await story()).entries).find((e) => e.headline === headline)?.pinned).toBe(false);

      // A figure that never arrived.
      const panel = page.getByTestId("figures-panel");
      await dropRequest(page, "PUT", /\/api\/stories\/outcomes\/facts\/[^/]+$/);
      const add = panel.getByRole("form", { name: "Add a figure" });
      await add.getByLabel("Label").fill(`Ferries (${colorScheme})`);
      await add.getByLabel("Value").fill("0");
      await add.getByRole("button", { name: "Add figure" }).click();
      await panel.getByRole("alert").filter({ hasText: "Not sent: the server never received your figure" }).waitFor({ timeout: 15_000 });

      // The dropped requests, and the server's answer that it never saw them (404).
      expect(unexpectedErrors(page, SIGNED_OUT, /net::ERR_CONNECTION_RESET/, UNKNOWN_WRITE)).toEqual([]);
      await context.close();
    }
  });

  it("keeps a contributor's draft outcomes across a reload: published by whom, when, with its link; or discarded", { timeout: 90_000 }, async () => {
    for (const [device, viewport] of [["phone", PHONE], ["desktop", DESKTOP]] as const) {
      for (const colorScheme of ["light", "dark"] as const) {
        const { context, page } = await deskPage("cora", viewport, colorScheme);
        const composer = page.getByTestId("composer");
        for (const text of [`Shelter open (${device}, ${colorScheme})`, `Rumour (${device}, ${colorScheme})`]) {
          await composer.getByLabel(/Headline/).fill(text);
          await composer.getByLabel(/Update/).fill("Seen from the street.");
          await composer.getByTestId("publish").click();
          await page.getByTestId("drafts").getByText(text).waitFor();
        }
        const { drafts } = (await (await server.api(`/api/stories/${STORY}/drafts`)).json()) as { drafts: { id: string; headline?: string }[] };
        const shelter = drafts.find((d) => d.headline === `Shelter open (${device}, ${colorScheme})`)!;
        const rumour = drafts.find((d) => d.headline === `Rumour (${device}, ${colorScheme})`)!;
        const published = (await (await server.api(`/api/stories/${STORY}/drafts/${shelter.id}/publish`, { body: {} })).json()) as { entry: { id: string } };
        expect((await server.api(`/api/stories/${STORY}/drafts/${rumour.id}`, { method: "DELETE" })).status).toBe(204);

        await page.reload();
        await page.locator('.workspace-head [data-status="live"]').waitFor();
        const outcomes = page.getByTestId("draft-outcomes");
        await outcomes.waitFor();
        const shelterRow = outcomes.locator('li[data-outcome="published"]', { hasText: `Shelter open (${device}, ${colorScheme})` });
        expect(await shelterRow.textContent()).toMatch(/^Published by \S+, now · Shelter open/);
        expect(await shelterRow.getByRole("link").getAttribute("href")).toBe(`/stories/${STORY}#${published.entry.id}`);
        await outcomes.locator('li[data-outcome="discarded"]').first().waitFor();
        await outcomes.scrollIntoViewIfNeeded();
        await screenshot(page, `desk-draft-outcomes-${device}-${colorScheme}`);
        expect(await seriousViolations(page)).toEqual([]);
        await context.close();
      }
    }
  });

  /** Every visible control the toast's box overlaps, by its text: there must be none. */
  const coveredByToast = (page: Page) =>
    page.evaluate(() => {
      const toast = document.querySelector<HTMLElement>(".desk-status")!;
      const box = toast.getBoundingClientRect();
      const covered: string[] = [];
      for (const control of document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])')) {
        const r = control.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || r.bottom <= 0 || r.top >= innerHeight) continue;
        if (r.left < box.right && box.left < r.right && r.top < box.bottom && box.top < r.bottom) covered.push(control.textContent?.trim() || control.outerHTML.slice(0, 60));
      }
      return { covered, layer: getComputedStyle(toast.parentElement!).pointerEvents, shown: toast.textContent ?? "" };
    });

  it("puts a toast where it covers no control, on a phone and on a desktop, and lets clicks through its layer", { timeout: 120_000 }, async () => {
    for (const [device, viewport] of [["phone", PHONE], ["desktop", DESKTOP]] as const) {
      for (const colorScheme of ["light", "dark"] as const) {
        const { context, page } = await deskPage("nadia", viewport, colorScheme);
        const composer = page.getByTestId("composer");
        await composer.getByLabel(/Update/).fill(`Toast check on a ${device} (${colorScheme}).`);
        await composer.getByTestId("publish").click();
        await page.locator(".desk-status", { hasText: "Published" }).waitFor();
        await expect.poll(async () => (await coveredByToast(page)).covered).toEqual([]);
        // Scrolled to the first entry's Edit/Pin/Delete, as an editor does next: still nothing covered.
        await page.locator(".desk-entry").first().getByTestId("edit").scrollIntoViewIfNeeded();
        await expect.poll(async () => (await coveredByToast(page)).covered).toEqual([]);
        const { layer, shown } = await coveredByToast(page);
        expect([layer, shown]).toEqual(["none", "Published. The update is live."]);
        await screenshot(page, `desk-toast-${device}-${colorScheme}`);
        await context.close();
      }
    }
  });

  it("keeps the phone composer's Publish button in reach while its text is on screen", { timeout: 60_000 }, async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const { context, page } = await deskPage("nadia", PHONE, colorScheme);
      const composer = page.getByTestId("composer");
      await composer.getByLabel(/Update/).focus();
      await composer.getByLabel(/Update/).fill("A long update typed on a phone.\n\nIt goes on.\n\nAnd on.");
      const publish = composer.getByTestId("publish");
      const box = (await publish.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
      expect(box.y).toBeGreaterThanOrEqual(0);
      // Nothing lies on top of it: a tap there reaches the button.
      expect(await publish.evaluate((button) => {
        const r = button.getBoundingClientRect();
        return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.closest("button") === button;
      })).toBe(true);
      await screenshot(page, `desk-phone-composer-${colorScheme}`);
      expect(await seriousViolations(page)).toEqual([]);
      await context.close();
    }
  });

  it("draws the audience from a zero baseline, names the peak and its time, and gives values on hover and in words", { timeout: 60_000 }, async () => {
    const reader = await openPage(browser, `${server.url}/stories/${STORY}`);
    await reader.page.locator('[data-status="live"]').waitFor();
    for (const [device, viewport] of [["phone", PHONE], ["desktop", DESKTOP]] as const) {
      for (const colorScheme of ["light", "dark"] as const) {
        const { context, page } = await deskPage("nadia", viewport, colorScheme);
        const sparkline = page.getByTestId("sparkline");
        await sparkline.waitFor({ timeout: 10_000 });
        // The desk's own live view is a reader too: the count is whoever is on the story now.
        const said = /now (\d+)\. Peak (\d+) at \d\d:\d\d( [AP]M)?\.$/;
        await expect.poll(() => sparkline.getAttribute("aria-label"), { timeout: 10_000 }).toMatch(said);
        const peak = Number(said.exec((await sparkline.getAttribute("aria-label"))!)![2]);
        const note = page.getByTestId("sparkline-note");
        expect(await note.textContent()).toMatch(new RegExp(`^peak ${peak} · \\d\\d:\\d\\d( [AP]M)?$`));
        expect(await note.getAttribute("aria-hidden")).toBe("true");
        // A few readers against a scale of at least ten: a ripple along the zero baseline, not a zigzag the full height.
        const ys = (await sparkline.locator("polyline").getAttribute("points"))!.split(" ").map((point) => Number(point.split(",")[1]));
        expect(Math.min(...ys)).toBeCloseTo(24 - (24 * peak) / Math.max(10, peak), 0);
        expect(await sparkline.locator("line.baseline").count()).toBe(1);
        const box = (await sparkline.boundingBox())!;
        await page.mouse.move(box.x + 2, box.y + box.height / 2);
        await expect.poll(() => note.textContent()).toMatch(/^\d+ at \d\d:\d\d( [AP]M)?$/);
        await screenshot(page, `desk-sparkline-${device}-${colorScheme}`);
        await page.mouse.move(0, 0);
        await expect.poll(() => note.textContent()).toMatch(/^peak \d+ · /);
        await context.close();
      }
    }
    await reader.context.close();
  });

  it("speaks Ukrainian in the Ukrainian desk's hidden headings, and spaces a stale figure's note", { timeout: 60_000 }, async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const { context, page } = await openPage(browser, "about:blank", { viewport: DESKTOP, colorScheme });
      // Two hours on: the wind figure is "over an hour old".
      await context.clock.install({ time: Date.now() + 2 * 3600_000 });
      await page.goto(`${server.url}/editor#story=${STORY}`);
      const form = page.getByTestId("login-form");
      await form.locator('input[name="username"]').fill("oksana");
      await form.locator('input[name="password"]').fill(PASSWORD);
      await form.locator('button[type="submit"]').click();
      await page.locator('.workspace-head [data-status="live"]').waitFor();
      await page.locator(".desk-entry h3.visually-hidden").first().waitFor({ state: "attached" });
      const first = Object.values((await story()).entries).find((e) => e.body.startsWith("Winds reach"))!;
      expect(await page.locator(`#${first.id}-title`).textContent()).toBe(`Оновлення від ${first.author.name}`);
      const when = page.getByTestId("figures-panel").locator(".figure-when.stale").first();
      await when.waitFor();
      // Two hours on from a run after 22:00 is the next day: the time then comes with its date.
      expect((await when.textContent())!.replace(/\s+/g, " ").trim()).toMatch(/^Met office · (?:\d{1,2} [^ ,]+, )?\d\d:\d\d · застаріло: понад годину$/);
      await screenshot(page, `desk-uk-figures-desktop-${colorScheme}`);
      expect(await seriousViolations(page)).toEqual([]);
      await context.close();
    }
  });
});

describe.skipIf(browserMissing)("the sign-in form on a server with no account yet (issue 29)", () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("says how to make the first account, in the desk's language, on a phone and a desktop", { timeout: 60_000 }, async () => {
    for (const [device, viewport] of [["phone", PHONE], ["desktop", DESKTOP]] as const) {
      for (const colorScheme of ["light", "dark"] as const) {
        const { context, page } = await openPage(browser, `${server.url}/editor`, { viewport, colorScheme });
        const note = page.getByTestId("login-form").getByTestId("no-accounts");
        await note.waitFor();
        expect(await note.textContent()).toContain("No account exists on this server yet.");
        expect(await note.textContent()).toContain("npm run user -- add NAME --role admin");
        await screenshot(page, `desk-no-accounts-${device}-${colorScheme}`);
        expect(await seriousViolations(page)).toEqual([]);
        expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
        await context.close();
      }
    }
    const { user } = await createAccount(server.app.store.accounts, "first", "admin");
    expect(user.username).toBe("first");
    const { context, page } = await openPage(browser, `${server.url}/editor`, { viewport: DESKTOP });
    await page.getByTestId("login-form").waitFor();
    await page.waitForTimeout(300);
    expect(await page.getByTestId("no-accounts").count()).toBe(0);
    await context.close();
  });
});

