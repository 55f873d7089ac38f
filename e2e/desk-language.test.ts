import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../shared/story.js";
import { hashPassword } from "../server/auth/passwords.js";
import { createAccount } from "../server/auth/accounts-service.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, screenshot, unexpectedErrors, SIGNED_OUT } from "./browser.js";

const PASSWORD = "correct horse battery";

describe.skipIf(browserMissing)("the desk writes a story in its own language", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    const { user } = await createAccount(server.app.store.accounts, "ed1", "editor");
    await server.app.store.accounts.updateUser(user.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("sets the language at creation and in the settings; the composer's fields and preview take its lang and direction", async () => {
    const { context, page } = await openPage(browser, `${server.url}/editor`);
    const login = page.getByTestId("login-form");
    await login.getByLabel("Username").fill("ed1");
    await login.getByLabel("Password").fill(PASSWORD);
    await login.getByRole("button", { name: "Sign in" }).click();

    await page.getByRole("button", { name: "New story" }).click();
    const form = page.getByTestId("new-story");
    await form.getByLabel("Title", { exact: true }).fill("Удари по Києву");
    await form.getByLabel("Id", { exact: false }).fill("kyiv-uk");
    const language = form.getByLabel("Language");
    await expect(language.inputValue()).resolves.toBe("en");
    await language.fill("en_US");
    const hint = form.locator(`#${await language.getAttribute("aria-describedby")}`);
    await expect(hint.textContent()).resolves.toBe("“en_US” is not a language tag: use one such as en, uk, ar or pt-BR.");
    await language.fill("uk-ua");
    await expect(hint.textContent()).resolves.toBe("Ukrainian (Ukraine), written left to right; reader pages in Ukrainian.");
    await form.getByRole("button", { name: "Create story" }).click();
    await page.waitForURL(/#story=kyiv-uk$/);
    expect(((await (await server.api("/api/stories/kyiv-uk")).json()) as Snapshot).language).toBe("uk-UA");

    const composer = page.getByTestId("composer");
    const body = composer.getByLabel(/Update/);
    expect(await body.evaluate((area) => [area.getAttribute("lang"), area.getAttribute("dir")])).toEqual(["uk-UA", "ltr"]);
    await composer.getByLabel(/Headline/).fill("Тривога");
    await body.fill("Сирени по всьому місту.");
    await composer.getByLabel("Kind").selectOption("breaking");
    const preview = composer.locator(".preview").first();
    await expect(preview.locator(".badge-breaking").textContent()).resolves.toBe("Терміново");

    // Moved to Arabic: right to left from then on, in the composer as on the reader pages.
    const settings = page.getByTestId("story-settings");
    await settings.locator("summary").click();
    await settings.getByLabel("Language", { exact: true }).fill("fa");
    const settingsHint = settings.locator(`#${await settings.getByLabel("Language", { exact: true }).getAttribute("aria-describedby")}`);
    await expect(settingsHint.textContent()).resolves.toBe("Persian, written right to left. Readers will see the buttons in English: there is no catalog for this language yet (there are for English, Arabic, and Ukrainian).");
    await settings.getByLabel("Language", { exact: true }).fill("ar");
    await expect(settingsHint.textContent()).resolves.toBe("Arabic, written right to left; reader pages in Arabic.");
    await settings.getByRole("button", { name: "Save language" }).click();
    await expect.poll(async () => ((await (await server.api("/api/stories/kyiv-uk")).json()) as Snapshot).language).toBe("ar");
    await expect.poll(() => body.evaluate((area) => [area.getAttribute("lang"), area.getAttribute("dir")])).toEqual(["ar", "rtl"]);
    await expect(preview.evaluate((article) => [article.getAttribute("lang"), article.getAttribute("dir")])).resolves.toEqual(["ar", "rtl"]);
    await screenshot(page, "desk-language-arabic");
    expect(await seriousViolations(page)).toEqual([]);
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
    await context.close();
  });
});
