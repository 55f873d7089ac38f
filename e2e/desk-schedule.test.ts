import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScheduledEntry } from "../shared/schedule.js";
import type { Snapshot } from "../shared/story.js";
import { hashPassword } from "../server/auth/passwords.js";
import { createAccount } from "../server/auth/accounts-service.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, screenshot, SIGNED_OUT, unexpectedErrors } from "./browser.js";

const PASSWORD = "correct horse battery";
const STORY = "desk-schedule";
const ZONE = "Europe/Kyiv";

/** "2026-05-24T14:30" plus `minutes`, as wall-clock arithmetic (the zone does not matter to it). */
const plusMinutes = (local: string, minutes: number) => new Date(Date.parse(`${local}:00Z`) + minutes * 60_000).toISOString().slice(0, 16);

/**
 * Issue 19 on the desk: an editor schedules an update from the composer with a local-time picker
 * (its zone named), sees it in "Coming up" with a countdown, changes its time, cancels one, and
 * watches another go out at its time, in Chromium on a desktop and a phone.
 */
describe.skipIf(browserMissing)("scheduled updates on the desk", () => {
  let server: TestServer;
  let browser: Browser;

  const queue = async () => ((await (await server.api(`/api/stories/${STORY}/scheduled`)).json()) as { scheduled: ScheduledEntry[] }).scheduled;
  const latest = async () => (await (await server.api(`/api/stories/${STORY}`)).json()) as Snapshot;
  const deskPage = async (viewport: { width: number; height: number }, reducedMotion: "reduce" | "no-preference" = "no-preference") => {
    const { context, page } = await openPage(browser, `${server.url}/editor#story=${STORY}`, { viewport, timezoneId: ZONE, reducedMotion });
    const form = page.getByTestId("login-form");
    await form.getByLabel("Username").fill("olena");
    await form.getByLabel("Password").fill(PASSWORD);
    await form.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("scheduled").waitFor();
    return { context, page };
  };
  const item = (page: Page, text: string) => page.getByTestId("scheduled-item").filter({ hasText: text });

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    const { user } = await createAccount(server.app.store.accounts, "olena", "editor");
    await server.app.store.accounts.updateUser(user.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false, displayName: "Olena" });
    expect((await server.api("/api/stories", { body: { id: STORY, title: "Air-raid alerts" } })).status).toBe(201);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("schedules from the composer in local time, counts down, moves and cancels from the queue", { timeout: 120_000 }, async () => {
    const { context, page } = await deskPage({ width: 1280, height: 1000 });
    const composer = page.getByTestId("composer");
    await composer.getByLabel(/Headline/).fill("Curfew ends");
    await composer.getByLabel(/Update/).fill("The curfew in **Kyiv** ends at 05:00.");
    await composer.getByTestId("schedule-toggle").check();
    const picker = composer.getByLabel(/Publish at/);
    // The zone is named beside the picker, so nobody wonders whose 14:30 it is.
    // (Chromium's ICU may still call Kyiv by its old spelling, Kiev.)
    await composer.getByTestId("schedule-picker").getByText(/your time: Europe\/(Kyiv|Kiev), UTC\+0[23]:00/).waitFor();
    const min = (await picker.getAttribute("min"))!;
    await picker.fill(plusMinutes(min, 90));
    await expect(composer.getByTestId("publish").textContent()).resolves.toContain("Schedule");
    await composer.getByTestId("schedule-picker").scrollIntoViewIfNeeded();
    await screenshot(page, "desk-schedule-picker");
    await composer.getByTestId("publish").click();
    await page.locator(".desk-status", { hasText: /^Scheduled for / }).waitFor();

    const [scheduled] = await queue();
    expect(scheduled).toMatchObject({ headline: "Curfew ends", createdBy: { name: "Olena" } });
    // The wall time typed in Kyiv is the moment stored (Kyiv is UTC+2 in winter, +3 in summer).
    const typed = plusMinutes(min, 90);
    const kyivOffsetMs = Date.parse(`${typed}:00Z`) - Date.parse(scheduled!.publishAt);
    expect([2 * 3600_000, 3 * 3600_000]).toContain(kyivOffsetMs);
    expect(Object.keys((await latest()).entries)).toEqual([]); // readers: nothing yet

    const row = item(page, "Curfew ends");
    await row.getByTestId("countdown").getByText(/^in 1 h 3\d min$/).waitFor();
    // The countdown ticks without being announced: it is in no live region.
    expect(await row.getByTestId("countdown").evaluate((el) => el.closest("[aria-live], [role=status], [role=alert], [role=timer], [role=log]") === null)).toBe(true);
    await row.scrollIntoViewIfNeeded();
    await screenshot(page, "desk-schedule-desktop");
    expect(await seriousViolations(page)).toEqual([]);

    // Change the time from the queue: the editor's own wall time again.
    await row.getByRole("button", { name: /Change time/ }).click();
    const newTime = row.getByLabel(/New time/);
    await newTime.fill(plusMinutes(min, 240));
    await row.getByRole("button", { name: "Save time" }).click();
    await page.locator(".desk-status", { hasText: "“Curfew ends” now publishes" }).waitFor();
    await row.getByTestId("countdown").getByText(/^in 4 h 0\d min$/).waitFor();
    expect((await queue())[0]!.revision).toBe(2);

    // Cancel it, after the question.
    await row.getByTestId("cancel-scheduled").click();
    await row.getByRole("button", { name: "Yes, cancel it" }).click();
    await row.waitFor({ state: "detached" });
    await page.locator(".desk-status", { hasText: "“Curfew ends” was cancelled" }).waitFor();
    expect(await queue()).toEqual([]);
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
    await context.close();
  });

  it("shows an update go out at its time: it leaves the queue and joins the published ones", { timeout: 120_000 }, async () => {
    const { context, page } = await deskPage({ width: 390, height: 844 });
    const publishAt = new Date(Date.now() + 8_000).toISOString();
    expect((await server.api(`/api/stories/${STORY}/entries`, { body: { headline: "Sirens off", body: "All clear across the city.", publishAt } })).status).toBe(202);
    await page.getByTestId("scheduled").getByRole("button", { name: "Refresh" }).click();
    const row = item(page, "Sirens off");
    await row.getByTestId("countdown").getByText(/^in \d s$/).waitFor();
    await row.scrollIntoViewIfNeeded();
    await screenshot(page, "desk-schedule-phone");
    expect(await seriousViolations(page)).toEqual([]);
    await row.waitFor({ state: "detached", timeout: 20_000 });
    // Joined once: the published update, not also a copy of the queue's row or a second arrival.
    const published = page.locator(".live-entries .desk-entry", { hasText: "Sirens off" });
    await published.first().waitFor();
    const entry = Object.values((await latest()).entries).find((e) => e.headline === "Sirens off")!;
    expect(Date.parse(entry.createdAt)).toBeGreaterThanOrEqual(Date.parse(publishAt));
    await expect(published.count()).resolves.toBe(1);
    await expect(published.getAttribute("data-testid")).resolves.toBe(`entry-${entry.id}`);
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
    await context.close();
  });

  it("counts down in whole minutes when the editor asks for reduced motion", { timeout: 60_000 }, async () => {
    const publishAt = new Date(Date.now() + 10 * 60_000 + 20_000).toISOString();
    expect((await server.api(`/api/stories/${STORY}/entries`, { body: { headline: "Later", body: "Later on.", publishAt } })).status).toBe(202);
    const { context, page } = await deskPage({ width: 1280, height: 900 }, "reduce");
    await item(page, "Later").getByTestId("countdown").getByText(/^in 1[01] min$/).waitFor();
    await context.close();
  });
});
