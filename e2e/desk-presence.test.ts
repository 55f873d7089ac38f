import type { Browser, Page } from "playwright-core";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../shared/accounts.js";
import { createAccount } from "../server/auth/accounts-service.js";
import { hashPassword } from "../server/auth/passwords.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, screenshot, SIGNED_OUT, unexpectedErrors } from "./browser.js";

const PASSWORD = "correct horse battery";
const STORY = "presence-desk";

/**
 * Issue 19: who is on the story and how many are reading. Two editors in two browser contexts see
 * each other on the story, and what the other is editing, before their edits can conflict; the
 * header shows the readers now with a sparkline that says in words what it draws.
 */
describe.skipIf(browserMissing)("presence and audience on the desk (two editors in two browsers)", () => {
  let server: TestServer;
  let browser: Browser;
  let entryId: string;
  const readers: Socket[] = [];

  const account = async (username: string, displayName: string, role: Role) => {
    const { user } = await createAccount(server.app.store.accounts, username, role);
    await server.app.store.accounts.updateUser(user.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false, displayName });
  };
  const deskPage = async (username: string, viewport = { width: 1280, height: 900 }) => {
    const { context, page } = await openPage(browser, `${server.url}/editor#story=${STORY}`, { viewport });
    const form = page.getByTestId("login-form");
    await form.getByLabel("Username").fill(username);
    await form.getByLabel("Password").fill(PASSWORD);
    await form.getByRole("button", { name: "Sign in" }).click();
    await page.locator('[data-testid="drafts"][data-live="true"]').waitFor();
    return { context, page };
  };
  const presenceLine = (page: Page) => page.getByTestId("presence");
  const entry = (page: Page) => page.getByTestId(`entry-${entryId}`);

  beforeAll(async () => {
    // Sampled every 300 ms instead of every minute, so the sparkline has a line to draw at once.
    server = await startServer({ pages: true, audienceSampleMs: 300 });
    browser = await launchBrowser();
    await account("olena", "Olena", "editor");
    // Taras signs in as t.shevchenko: his name does not read as his login, so the desk shows both.
    await account("t.shevchenko", "Taras", "admin");
    expect((await server.api("/api/stories", { body: { id: STORY, title: "Strikes on the capital" } })).status).toBe(201);
    const posted = await server.api(`/api/stories/${STORY}/entries`, { body: { headline: "Air force tally", body: "The air force says 31 of 34 drones were shot down." } });
    entryId = ((await posted.json()) as { entry: { id: string } }).entry.id;
    for (let i = 0; i < 3; i++) {
      const socket = server.socket();
      readers.push(socket);
      await new Promise((resolve) => socket.emit("subscribe", { storyId: STORY }, resolve));
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows each editor the other, who edits what, and warns before an edit can conflict", async () => {
    const olena = await deskPage("olena");
    const taras = await deskPage("t.shevchenko");
    await presenceLine(olena.page).getByText("Also on this story: Taras (@t.shevchenko).").waitFor();
    await presenceLine(taras.page).getByText("Also on this story: Olena.").waitFor();

    // Taras opens the entry's edit form: Olena's desk says so on the entry, before she touches it.
    await entry(taras.page).getByTestId("edit").click();
    await entry(olena.page).getByTestId("editing-now").getByText("Taras (@t.shevchenko) is editing this update").waitFor();
    await presenceLine(olena.page).getByText("Also on this story: Taras (@t.shevchenko) (editing “Air force tally”).").waitFor();
    // Taras's own desk names nobody else on that entry.
    expect(await entry(taras.page).getByTestId("editing-conflict-warning").count()).toBe(0);

    // Opening it anyway warns at once, in the form.
    await entry(olena.page).getByTestId("edit").click();
    const warning = entry(olena.page).getByTestId("editing-conflict-warning");
    await warning.waitFor();
    expect(await warning.textContent()).toContain("Taras (@t.shevchenko) is editing this update too.");
    expect(await warning.getAttribute("role")).toBe("alert");
    // And Taras now hears of Olena on the same entry.
    await entry(taras.page).getByTestId("editing-conflict-warning").getByText("Olena is editing this update too.").waitFor();
    await warning.scrollIntoViewIfNeeded();
    await screenshot(olena.page, "desk-presence-editing-warning");

    // How many are reading: the 3 readers and the two desks' own live views, as the API counts them.
    const meter = olena.page.getByTestId("audience");
    await meter.getByText("5 reading now").waitFor({ timeout: 10_000 });
    const sparkline = meter.getByTestId("sparkline");
    await sparkline.waitFor({ timeout: 10_000 });
    expect(await sparkline.getAttribute("role")).toBe("img");
    expect(await sparkline.getAttribute("aria-label")).toMatch(/^Readers over the last \d+ minutes?: .*now 5\. Peak \d+ at \d\d:\d\d( [AP]M)?\.$/);

    expect(await seriousViolations(olena.page)).toEqual([]);
    await olena.page.getByTestId("presence").scrollIntoViewIfNeeded();
    await olena.page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(olena.page, "desk-presence-desktop");

    // The same account in a second tab (a phone) is one editor: Olena still sees only Taras.
    const phone = await deskPage("olena", { width: 390, height: 844 });
    await presenceLine(phone.page).getByText("Also on this story: Taras (@t.shevchenko) (editing “Air force tally”).").waitFor();
    await phone.page.getByTestId("audience").getByTestId("sparkline").waitFor({ timeout: 10_000 });
    expect(await seriousViolations(phone.page)).toEqual([]);
    await screenshot(phone.page, "desk-presence-phone");
    await phone.context.close();

    // Taras closes his browser: Olena's desk drops him promptly, warning and all.
    await taras.context.close();
    await presenceLine(olena.page).waitFor({ state: "detached", timeout: 5_000 });
    await entry(olena.page).getByTestId("editing-conflict-warning").waitFor({ state: "detached" });
    expect(unexpectedErrors(olena.page, SIGNED_OUT)).toEqual([]);
  }, 150_000);
});
