import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../server/auth/passwords.js";
import { createAccount } from "../server/auth/accounts-service.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, failedRequest, launchBrowser, openPage, screenshot, SIGNED_OUT, unexpectedErrors } from "./browser.js";

const PASSWORD = "correct horse battery";
const STORY = "kyiv-night";

/** The English catalog's desk phrases without inputs: none may be seen on a Ukrainian desk. */
const englishDeskPhrases = (): string[] => {
  const catalog = JSON.parse(readFileSync(join(import.meta.dirname, "../client/i18n/messages/en.json"), "utf8")) as Record<string, unknown>;
  return Object.entries(catalog).flatMap(([key, message]) => (key.startsWith("desk_") && typeof message === "string" && !message.includes("{") ? [message] : []));
};

/** Every phrase of `phrases` that stands as words of its own in the text the page shows (hidden ones included: screen readers say them). */
async function phrasesShown(page: Page, phrases: string[]): Promise<string[]> {
  const text = await page.evaluate(() => {
    const labels = [...document.querySelectorAll("[aria-label], [placeholder], [title]")].flatMap((el) =>
      ["aria-label", "placeholder", "title"].map((name) => el.getAttribute(name) ?? ""),
    );
    return [document.body.textContent ?? "", ...labels, document.title].join("\n");
  });
  const escape = (phrase: string) => phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return phrases.filter((phrase) => new RegExp(`(^|[^\\p{L}])${escape(phrase)}($|[^\\p{L}])`, "u").test(text));
}

async function signIn(page: Page, username: string, labels = { username: "Username", password: "Password", submit: "Sign in" }) {
  const form = page.getByTestId("login-form");
  await form.getByLabel(labels.username).fill(username);
  await form.getByLabel(labels.password).fill(PASSWORD);
  await form.getByRole("button", { name: labels.submit }).click();
}

/**
 * Issue 18, the desk's own language: an editor switches their desk to Ukrainian; it speaks
 * Ukrainian at once, after a reload and at the next sign-in, while a colleague's desk stays in
 * English, and the sign-in form follows the browser until someone is known.
 */
describe.skipIf(browserMissing)("the desk in its editor's language", () => {
  let server: TestServer;
  let browser: Browser;
  let arabicEntry = "";

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    for (const name of ["oksana", "pavlo"]) {
      const { user } = await createAccount(server.app.store.accounts, name, "editor");
      await server.app.store.accounts.updateUser(user.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false });
    }
    const { user: admin } = await createAccount(server.app.store.accounts, "ivanna", "admin");
    await server.app.store.accounts.updateUser(admin.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false, deskLanguage: "uk" });
    const { user: karim } = await createAccount(server.app.store.accounts, "karim", "editor");
    await server.app.store.accounts.updateUser(karim.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false, deskLanguage: "ar" });
    expect((await server.api("/api/stories", { body: { id: STORY, title: "Ніч у Києві", language: "uk" } })).status).toBe(201);
    expect((await server.api("/api/stories", { body: { id: "kyiv-ar", title: "ليلة في كييف", language: "ar" } })).status).toBe(201);
    const alert = await server.api("/api/stories/kyiv-ar/entries", { body: { body: "تعمل الدفاعات الجوية فوق المدينة.", headline: "إنذار جوي", kind: "breaking" } });
    expect(alert.status).toBe(201);
    arabicEntry = ((await alert.json()) as { entry: { id: string } }).entry.id;
    expect((await server.api("/api/stories/kyiv-ar/facts/f_injured", { method: "PUT", body: { label: "الجرحى", value: "15 على الأقل", source: "الشرطة الوطنية" } })).status).toBe(200);
    expect((await server.api(`/api/stories/${STORY}/entries`, { body: { body: "Над містом працює ППО.", headline: "Тривога" } })).status).toBe(201);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("switches one editor's desk to Ukrainian at once, keeps it after a reload and the next sign-in, and leaves a colleague's in English", { timeout: 120_000 }, async () => {
    const { context, page } = await openPage(browser, `${server.url}/editor#password`, { viewport: { width: 1280, height: 900 }, locale: "en-US" });
    await signIn(page, "oksana");
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    const picker = page.getByTestId("desk-language").getByLabel("Language of the desk");
    await expect(picker.inputValue()).resolves.toBe("en");

    await picker.selectOption("uk");
    // At once, without a reload: the navigation, the account page and <html lang>.
    await page.getByRole("link", { name: "Матеріали" }).waitFor();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe("uk");
    await page.getByRole("heading", { name: "Ваш підпис" }).waitFor();
    await expect(page.getByTestId("logout").textContent()).resolves.toBe("Вийти");
    await expect.poll(() => page.locator(".desk-status").textContent()).toMatch(/Редакція тепер українською/);
    await expect(page.getByTestId("desk-language").getByLabel("Мова інтерфейсу").inputValue()).resolves.toBe("uk");

    // The story's workspace, every panel of it.
    await page.goto(`${server.url}/editor#story=${STORY}`);
    await page.reload(); // and after a reload: the account's language, from the server
    const composer = page.getByTestId("composer");
    await composer.getByRole("heading", { name: "Нове оновлення" }).waitFor();
    await expect(composer.getByTestId("publish").textContent()).resolves.toMatch(/Опублікувати/);
    await composer.getByLabel(/Заголовок/).waitFor();
    await page.getByRole("heading", { name: /Чернетки на розгляд/ }).waitFor();
    await page.getByRole("heading", { name: /Заплановані/ }).waitFor();
    await page.getByRole("heading", { name: /Опубліковані оновлення/ }).waitFor();
    await page.getByRole("heading", { name: /Ключові цифри/ }).waitFor();
    await page.getByTestId("edit").first().filter({ hasText: "Редагувати" }).waitFor();
    await screenshot(page, "desk-uk-desktop-top");
    await composer.getByTestId("schedule-toggle").check();
    await composer.getByText("До 30 днів наперед").waitFor();
    await page.getByTestId("story-settings").locator("summary").click();
    await page.getByTestId("embed-open").click();
    await page.getByTestId("embed").getByRole("button", { name: "Закрити" }).click();
    await page.getByTestId("delete").first().click(); // the question and its answers
    await page.getByText("Справді видалити це оновлення?").waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("uk");
    expect(await phrasesShown(page, englishDeskPhrases())).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "desk-uk-desktop");

    // The account page and the tokens page, in Ukrainian too.
    for (const [hash, heading] of [["#password", "Ваш підпис"], ["#tokens", "Ваші токени API"]] as const) {
      await page.goto(`${server.url}/editor${hash}`);
      await page.getByRole("heading", { name: heading }).waitFor();
      expect(await phrasesShown(page, englishDeskPhrases()), hash).toEqual([]);
      expect(await seriousViolations(page), hash).toEqual([]);
    }
    await page.goto(`${server.url}/editor#story=${STORY}`);
    await page.getByTestId("composer").waitFor();

    // A phone: the longer Ukrainian labels fit, nothing runs off the side.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, "desk-uk-phone-top");
    await page.getByTestId("composer").scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, "desk-uk-phone");
    await page.setViewportSize({ width: 1280, height: 900 });

    // Signed out, the sign-in form speaks the site's language (SITE_LANGUAGE, English here); signed in, the account's.
    await page.getByTestId("logout").click();
    await page.getByRole("heading", { name: "Sign in to the desk" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    await signIn(page, "oksana");
    await page.getByRole("link", { name: "Матеріали" }).waitFor();

    // A colleague in another browser, whose browser asks for Ukrainian: the site's (English) sign-in form, not a guess from
    // the browser, then their own English desk.
    const other = await openPage(browser, `${server.url}/editor#story=${STORY}`, { viewport: { width: 1280, height: 900 }, locale: "uk-UA" });
    await other.page.getByRole("heading", { name: "Sign in to the desk" }).waitFor();
    expect(await other.page.evaluate(() => document.documentElement.lang)).toBe("en");
    await signIn(other.page, "pavlo");
    await other.page.getByRole("link", { name: "Stories" }).waitFor();
    await other.page.getByTestId("composer").getByRole("heading", { name: "New update" }).waitFor();
    expect(await other.page.evaluate(() => document.documentElement.lang)).toBe("en");
    // The same check that found no English on the Ukrainian desk finds it here.
    expect(await phrasesShown(other.page, englishDeskPhrases())).toEqual(expect.arrayContaining(["Stories", "New update", "Publish", "Drafts to review"]));
    // The story's own words stay the story's: its reader badge in the preview is Ukrainian on either desk.
    await other.page.getByTestId("composer").getByLabel("Kind").selectOption("breaking");
    await expect(other.page.getByTestId("composer").locator(".preview .badge-breaking").textContent()).resolves.toBe("Терміново");
    expect(unexpectedErrors(other.page, SIGNED_OUT)).toEqual([]);
    await other.context.close();

    // Oksana's desk did not follow her colleague's.
    await expect(page.getByRole("link", { name: "Матеріали" }).count()).resolves.toBe(1);
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
    await context.close();
  });

  it("signs an admin whose account keeps Ukrainian straight into a Ukrainian desk, the users and tokens page included", { timeout: 60_000 }, async () => {
    const { context, page } = await openPage(browser, `${server.url}/editor#admin`, { viewport: { width: 1280, height: 900 }, locale: "en-US" });
    await signIn(page, "ivanna");
    await page.getByRole("heading", { name: "Користувачі" }).waitFor();
    await page.getByRole("heading", { name: "Токени API" }).waitFor();
    await page.getByTestId("user-oksana").getByRole("button", { name: "Скинути пароль" }).waitFor();
    await expect.poll(() => page.locator(".desk-status").textContent()).toBe("Ви увійшли як ivanna.");
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("uk");
    expect(await phrasesShown(page, englishDeskPhrases())).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "desk-uk-admin");
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
    await context.close();
  });

  it("gives an editor whose account keeps Arabic a mirrored Arabic desk on a phone and a desktop, with no English word of the desk's catalog", { timeout: 120_000 }, async () => {
    const { context, page } = await openPage(browser, `${server.url}/editor#story=kyiv-ar`, { viewport: { width: 1280, height: 900 }, locale: "en-US" });
    await signIn(page, "karim");
    const composer = page.getByTestId("composer");
    await composer.getByRole("heading", { name: "تحديث جديد" }).waitFor();
    expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(["ar", "rtl"]);
    await expect(composer.getByTestId("publish").textContent()).resolves.toMatch(/انشر/);
    await page.getByRole("heading", { name: /مسودات للمراجعة/ }).waitFor();
    await page.getByRole("heading", { name: /الأرقام الرئيسية/ }).waitFor();
    await page.getByRole("heading", { name: /التحديثات المنشورة/ }).waitFor();
    // Mirrored: the story list's navigation sits at the right of the composer.
    const nav = (await page.getByRole("link", { name: "القصص" }).boundingBox())!;
    expect(nav.x + nav.width).toBeGreaterThan(640);
    await composer.getByTestId("schedule-toggle").check();
    await composer.getByText("حتى 30 يومًا مقدمًا").waitFor();
    await page.getByTestId("delete").first().click();
    await page.getByText("أتحذف هذا التحديث فعلًا؟").waitFor();
    expect(await phrasesShown(page, englishDeskPhrases())).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "desk-ar-desktop");
    // The preview shows the reader's words: the Arabic badge of a breaking update.
    await page.getByRole("button", { name: "لا" }).click();
    await composer.getByRole("textbox", { name: /^التحديث/ }).fill("صفارات الإنذار في كل المدينة.");
    await composer.getByLabel("النوع").selectOption("breaking");
    await expect(composer.locator(".preview .badge-breaking").first().textContent()).resolves.toBe("عاجل");

    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, "desk-ar-phone-top");
    await composer.scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, "desk-ar-phone");
    expect(await seriousViolations(page)).toEqual([]);

    // A conflict, on the phone: the panel says in Arabic who changed what, laid out right to left.
    const entry = page.getByTestId(`entry-${arabicEntry}`);
    await entry.getByTestId("edit").click();
    await entry.getByRole("textbox", { name: /^التحديث/ }).fill("تعمل الدفاعات الجوية فوق المدينة منذ منتصف الليل.");
    await server.api(`/api/stories/kyiv-ar/entries/${arabicEntry}`, { method: "PATCH", body: { body: "تعمل الدفاعات الجوية فوق المدينة. لا إصابات." } });
    await entry.getByTestId("save-edit").click();
    const conflict = page.getByTestId("conflict");
    await conflict.waitFor();
    await expect(conflict.getByTestId("conflict-since").textContent()).resolves.toContain("عُدّل «\u2068إنذار جوي\u2069»");
    const flushRight = await conflict.getByRole("heading", { level: 2 }).evaluate((heading) => {
      const range = document.createRange();
      range.selectNodeContents(heading);
      return Math.abs(heading.getBoundingClientRect().right - range.getBoundingClientRect().right) < 2;
    });
    expect(flushRight).toBe(true);
    expect(await phrasesShown(page, englishDeskPhrases())).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await conflict.scrollIntoViewIfNeeded();
    await screenshot(page, "desk-ar-phone-conflict");
    // The collision is on purpose: its 412 is the conflict shown.
    expect(unexpectedErrors(page, SIGNED_OUT, failedRequest("412 (Precondition Failed)", `/api/stories/kyiv-ar/entries/${arabicEntry}`))).toEqual([]);
    await context.close();
  });
});
