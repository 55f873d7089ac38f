import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../shared/story.js";
import { hashPassword } from "../server/auth/passwords.js";
import { createAccount } from "../server/auth/accounts-service.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot, SIGNED_OUT, unexpectedErrors } from "./browser.js";

const PASSWORD = "correct horse battery";
const STORY = "figures-live";

/**
 * Key figures as readers and editors see them in Chromium: the box at the top of the live page
 * changing live with its "was" note, reduced motion, the history's figure line and timeline, and
 * the desk's figures panel (edit in place with Enter, Escape, add, move, remove).
 */
describe.skipIf(browserMissing)("key figures in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  const put = async (id: string, body: Record<string, unknown>) => {
    const res = await server.api(`/api/stories/${STORY}/facts/${id}`, { method: "PUT", body });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    server = await startServer({ pages: true, env: { WRITES_PER_MINUTE: "100000" } });
    browser = await launchBrowser();
    expect((await server.api("/api/stories", { body: { id: STORY, title: "Kyiv strikes", summary: "Overnight attack on the capital." } })).status).toBe(201);
    expect((await server.api(`/api/stories/${STORY}/entries`, { body: { headline: "Air-raid alert in Kyiv", body: "Sirens across the capital.", kind: "breaking", pinned: true } })).status).toBe(201);
    await put("f_injured", { label: "Injured", value: "at least 11", source: "early reports" });
    await put("f_killed", { label: "Killed", value: "none reported so far" });
    await put("f_missiles", { label: "Ballistic missiles", value: "14 launched, 6 shot down", source: "Ukrainian Air Force" });
    await put("f_drones", { label: "Attack drones", value: "about 250 launched, 245 shot down", source: "Ukrainian Air Force" });
    const { user } = await createAccount(server.app.store.accounts, "figures-ed", "editor");
    await server.app.store.accounts.updateUser(user.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const box = (page: import("playwright-core").Page) => page.getByTestId("key-figures");
  const figure = (page: import("playwright-core").Page, id: string) => box(page).locator(`[data-figure="${id}"]`);

  it.each([
    ["desktop", { width: 1280, height: 900 }],
    ["phone", { width: 390, height: 844 }],
  ])("%s: the box changes live, marks the figure and says what it was", async (device, viewport) => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${STORY}`, { viewport });
    await page.locator('[data-status="live"]').waitFor();
    await expect(figure(page, "f_injured").locator(".value").textContent()).resolves.toContain(device === "desktop" ? "at least 11" : "at least 15");
    const value = device === "desktop" ? "at least 15" : "at least 16";
    await put("f_injured", { label: "Injured", value, source: "National Police" });
    const injured = figure(page, "f_injured");
    await injured.getByText(value).waitFor({ timeout: 2000 });
    await injured.getByText("Changed").waitFor();
    const was = await injured.locator(".was").textContent();
    expect(was).toMatch(device === "desktop" ? /^was at least 11, \d\d:\d\d( [AP]M)?$/ : /^was at least 15, \d\d:\d\d( [AP]M)?$/);
    await expect(injured.getByText("National Police").count()).resolves.toBe(1);
    // Screen readers hear it once, politely.
    await expect(box(page).getByRole("status").textContent()).resolves.toContain(`Injured: ${value}, was`);
    expect(await seriousViolations(page)).toEqual([]);
    await box(page).screenshot({ path: await screenshot(page, `key-figures-box-${device}`).then((p) => p.replace(/\.png$/, "-box.png")) });
    // The timeline link takes the reader to the figure's record in the history: under the figure on
    // a desktop, in "Sources and times" on a phone (which keeps figures to value and label).
    if (device === "phone") await box(page).getByText("Sources and times").click();
    await (device === "phone" ? box(page).locator(".figure-sources").getByRole("link", { name: /Injured/ }) : injured.getByRole("link")).click();
    await page.waitForURL(/\/history#figure-f_injured$/);
    await expect(page.locator("#figure-f_injured tbody tr").first().locator("td").first().textContent()).resolves.toContain(value);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it("marks a change with words and no animation under reduced motion; the mark goes, the note stays", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${STORY}`, { reducedMotion: "reduce" });
    await page.locator('[data-status="live"]').waitFor();
    await put("f_killed", { label: "Killed", value: "1", source: "regional governor" });
    const killed = figure(page, "f_killed");
    await killed.getByText("Changed").waitFor({ timeout: 2000 });
    await expect(killed.evaluate((node) => getComputedStyle(node).animationName)).resolves.toBe("none");
    await killed.getByText("Changed").waitFor({ state: "detached", timeout: 15_000 });
    await expect(killed.locator(".was").textContent()).resolves.toMatch(/^was none reported so far, /);
    await context.close();
  }, 60_000);

  it("shows the change in the public history as one line, and each figure's timeline", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/${STORY}/history`);
    const line = /^Key figure \u2068Injured\u2069 now reads \u2068at least 15 \(National Police\)\u2069$/;
    await page.locator(".version .summary li").filter({ hasText: line }).first().waitFor();
    const rows = page.locator("#figure-f_injured tbody tr");
    await expect(rows.count()).resolves.toBe(3);
    await expect(rows.nth(2).textContent()).resolves.toMatch(/at least 11.*early reports/);
    // The version's details say what it was before.
    const version = page.locator("li.version").filter({ has: page.locator(".summary li").filter({ hasText: line }) });
    await version.getByRole("button", { name: "Show changes" }).click();
    await version.locator(".change-figure").filter({ hasText: /Injured\u2069 changed from \u2068at least 11[^\u2069]*\u2069 to \u2068at least 15 \(National Police\)/ }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "key-figures-history");
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it.each([
    ["desktop", { width: 1280, height: 900 }],
    ["phone", { width: 390, height: 844 }],
  ])("%s: the desk changes a value in place with Enter, cancels with Escape, adds, moves and removes", async (device, viewport) => {
    const { context, page } = await openPage(browser, `${server.url}/editor#story=${STORY}`, { viewport });
    const form = page.getByTestId("login-form");
    await form.getByLabel("Username").fill("figures-ed");
    await form.getByLabel("Password").fill(PASSWORD);
    await form.getByRole("button", { name: "Sign in" }).click();
    const panel = page.getByTestId("figures-panel");
    await panel.locator('[data-figure="f_missiles"]').waitFor();

    // Enter opens the value with it selected; typing replaces it; Enter saves.
    const missiles = panel.locator('[data-figure="f_missiles"]');
    await missiles.locator(".figure-value").focus();
    await page.keyboard.press("Enter");
    await page.keyboard.type(`14 launched, 7 shot down (${device})`);
    await page.keyboard.press("Enter");
    await missiles.getByRole("button", { name: new RegExp(`7 shot down \\(${device}\\)`) }).waitFor();
    const stored = (await (await server.api(`/api/stories/${STORY}`)).json()) as Snapshot;
    expect(stored.facts?.f_missiles?.value).toBe(`14 launched, 7 shot down (${device})`);
    await expect(page.evaluate(() => document.activeElement?.closest("[data-figure]")?.getAttribute("data-figure"))).resolves.toBe("f_missiles");

    // Escape leaves it as it was: on screen, and on the server, where a save it sent would land
    // after this check. The page's writes are recorded from here to the end: a save sent on Escape
    // would go before the add below is stored, and one sent later would still be seen by the end.
    const writes: string[] = [];
    page.on("request", (request) => void (request.method() !== "GET" && writes.push(`${request.method()} ${new URL(request.url()).pathname}`)));
    const versionBefore = ((await (await server.api(`/api/stories/${STORY}`)).json()) as Snapshot).version;
    await page.keyboard.press("Enter");
    await page.keyboard.type("nothing");
    await page.keyboard.press("Escape");
    await expect(missiles.getByRole("button", { name: /7 shot down/ }).count()).resolves.toBe(1);

    // Add, then move it to the top.
    const add = panel.getByRole("form", { name: "Add a figure" });
    await add.getByLabel("Label").fill(`Prisoners (${device})`);
    await add.getByLabel("Value").fill("1,000 for 1,000");
    await add.getByLabel("Source").fill("agreed in Istanbul");
    await add.getByRole("button", { name: "Add figure" }).click();
    const id = device === "desktop" ? "f_prisoners_desktop" : "f_prisoners_phone";
    const added = panel.locator(`[data-figure="${id}"]`);
    await added.waitFor();
    const afterAdd = (await (await server.api(`/api/stories/${STORY}`)).json()) as Snapshot;
    expect(afterAdd.facts?.[id]?.value).toBe("1,000 for 1,000");
    expect(afterAdd.facts?.f_missiles?.value).toBe(`14 launched, 7 shot down (${device})`);
    expect(afterAdd.version).toBe(versionBefore + 1);
    expect(await seriousViolations(page)).toEqual([]);
    await panel.screenshot({ path: (await screenshot(page, `key-figures-desk-${device}`)).replace(/\.png$/, "-panel.png") });
    const indexOfAdded = () => panel.locator("[data-figure]").evaluateAll((rows, want) => rows.findIndex((row) => row.getAttribute("data-figure") === want), id);
    for (let index = await indexOfAdded(); index > 0; index--) {
      await added.getByRole("button", { name: /Move .* up/ }).click(); // waits until the last write is done
      await expect.poll(indexOfAdded).toBe(index - 1);
    }
    await expect.poll(async () => ((await (await server.api(`/api/stories/${STORY}`)).json()) as Snapshot).facts?.[id]?.order).toBe(1);

    // Remove it, after the question.
    await added.getByRole("button", { name: "Remove" }).click();
    await added.getByRole("button", { name: "Yes" }).click();
    await added.waitFor({ state: "detached" });
    expect(writes.filter((write) => write.includes("/facts/f_missiles")), "writes of the figure Escape left").toEqual([]);
    expect(((await (await server.api(`/api/stories/${STORY}`)).json()) as Snapshot).facts?.f_missiles?.value).toBe(`14 launched, 7 shot down (${device})`);
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]); // the desk asks who is signed in before anyone is
    await context.close();
  }, 90_000);
});
