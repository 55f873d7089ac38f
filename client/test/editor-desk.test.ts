import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../shared/story.js";
import { hashPassword } from "../../server/auth/passwords.js";
import { createAccount } from "../../server/http/account-routes.js";
import { startServer, type TestServer } from "../../server/test/harness.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot } from "./browser.js";

const PASSWORD = "correct horse battery";

describe.skipIf(browserMissing)("the editor's desk in a real browser", () => {
  let server: TestServer;
  let browser: Browser;

  /** An editor whose password is already chosen, as after their first sign-in. */
  const editor = async (username: string) => {
    const { user } = await createAccount(server.app.store.accounts, username, "editor");
    await server.app.store.accounts.updateUser(user.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false });
  };
  const signIn = async (page: Page, username: string, password: string) => {
    const form = page.getByTestId("login-form");
    await form.getByLabel("Username").fill(username);
    await form.getByLabel("Password").fill(password);
    await form.getByRole("button", { name: "Sign in" }).click();
  };
  const deskPage = async (username: string, storyId?: string) => {
    const { context, page } = await openPage(browser, `${server.url}/editor${storyId ? `#story=${storyId}` : ""}`);
    await signIn(page, username, PASSWORD);
    return { context, page };
  };

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    await editor("ed2");
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("signs in with a one-time password, creates a story and publishes an update readers see within a second", async () => {
    const { password } = await createAccount(server.app.store.accounts, "ed1", "editor");
    const { context, page } = await openPage(browser, `${server.url}/editor`);
    await signIn(page, "ed1", password);
    const change = page.getByTestId("password-form");
    await change.getByLabel("One-time password").fill(password);
    await change.getByLabel("New password", { exact: true }).fill(PASSWORD);
    await change.getByLabel("New password again").fill(PASSWORD);
    await change.getByRole("button", { name: "Set password" }).click();

    await page.getByRole("button", { name: "New story" }).click();
    const form = page.getByTestId("new-story");
    await form.getByLabel("Title", { exact: true }).fill("Desk test story");
    await form.getByRole("button", { name: "Create story" }).click();
    await page.waitForURL(/#story=desk-test-story$/);
    const story = (await (await server.api("/api/stories/desk-test-story")).json()) as Snapshot;
    expect(story.title).toBe("Desk test story");

    const reader = await openPage(browser, `${server.url}/stories/desk-test-story`);
    await reader.page.locator('[data-status="live"]').waitFor();

    const composer = page.getByTestId("composer");
    await composer.getByLabel(/Headline/).fill("Blasts heard in Obolon");
    await composer.getByLabel(/Update/).fill(
      'Several **loud** blasts. <img src=x onerror="window.__xss=1"> [details](javascript:window.__xss=2) <script>window.__xss=3</script>',
    );
    const preview = page.locator(".composer .preview").first();
    await preview.locator("strong", { hasText: "loud" }).waitFor();
    expect(await preview.locator("img, script, [onerror]").count()).toBe(0);
    expect(await preview.locator('a[href^="javascript:"]').count()).toBe(0);
    await screenshot(page, "editor-desk-composer");

    const started = Date.now();
    await composer.getByLabel(/Update/).press("Control+Enter");
    await reader.page.getByRole("heading", { name: "Blasts heard in Obolon" }).waitFor({ timeout: 1000 });
    expect(Date.now() - started).toBeLessThan(1000);
    const entry = reader.page.locator("article.entry", { hasText: "Blasts heard in Obolon" });
    await expect(entry.locator("strong").textContent()).resolves.toBe("loud");
    expect(await entry.locator("img, script, [onerror]").count()).toBe(0);
    expect(await entry.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await reader.page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    // The desk's own live view shows it too, through the same sync protocol.
    await page.locator(".desk-entry", { hasText: "Blasts heard in Obolon" }).waitFor();
    const history = (await (await server.api("/api/stories/desk-test-story/history")).json()) as { versions: { author: { name: string } }[] };
    expect(history.versions[0]!.author.name).toBe("ed1");
    expect(pageErrors(reader.page)).toEqual([]);
    // The desk logs its expected 401s (asking who is signed in before sign-in); nothing may break its CSP.
    expect(pageErrors(page).filter((error) => /Content Security Policy|CSP violation/i.test(error))).toEqual([]);
    await screenshot(page, "editor-desk");
    await reader.context.close();
    await context.close();
  });

  it("shows a conflict between two editors and lets the second re-apply, with no silent overwrite", async () => {
    await server.api("/api/stories", { body: { id: "conflict-story", title: "Conflict story" } });
    const created = await server.api("/api/stories/conflict-story/entries", { body: { body: "Original text.", headline: "Toll" } });
    const { entry } = (await created.json()) as { entry: { id: string } };

    const a = await deskPage("ed2", "conflict-story");
    const b = await deskPage("ed2", "conflict-story");
    for (const desk of [a, b]) await desk.page.getByTestId(`entry-${entry.id}`).getByTestId("edit").click();

    const editIn = (page: Page) => page.getByTestId(`entry-${entry.id}`);
    await editIn(b.page).getByLabel(/Update/).fill("At least 15 people were hurt, police say.");
    await editIn(b.page).getByTestId("save-edit").click();
    await b.page.getByTestId(`entry-${entry.id}`).getByText("At least 15 people").waitFor();

    await editIn(a.page).getByLabel(/Update/).fill("At least 11 people were hurt.");
    await editIn(a.page).getByTestId("save-edit").click();
    const conflict = a.page.getByTestId("conflict");
    await conflict.waitFor();
    await expect(conflict.textContent()).resolves.toContain("At least 15 people were hurt, police say.");
    let stored = (await (await server.api("/api/stories/conflict-story")).json()) as Snapshot;
    expect(stored.entries[entry.id]!.body).toBe("At least 15 people were hurt, police say."); // nothing overwritten yet
    await screenshot(a.page, "editor-desk-conflict");

    await conflict.getByTestId("reapply").click();
    await conflict.waitFor({ state: "detached" });
    stored = (await (await server.api("/api/stories/conflict-story")).json()) as Snapshot;
    expect(stored.entries[entry.id]!.body).toBe("At least 11 people were hurt.");
    expect(stored.entries[entry.id]!.revision).toBe(3);
    await a.context.close();
    await b.context.close();
  });

  it("tells an editor plainly when a draft changed or was published by someone else, and publishes only the text on screen", async () => {
    await server.api("/api/stories", { body: { id: "draft-story", title: "Draft story" } });
    const now = new Date().toISOString();
    const draft = { id: "d_desk1", storyId: "draft-story", authorId: "u_wren", author: { name: "wren" }, createdAt: now, updatedAt: now, body: "Sirens in the north.", kind: "update" as const, pinned: false, revision: 1 };
    await server.app.store.accounts.createDraft(draft);
    const a = await deskPage("ed2", "draft-story");
    const b = await deskPage("ed2", "draft-story");
    const itemIn = (page: Page) => page.getByTestId(`draft-${draft.id}`);
    for (const desk of [a, b]) await itemIn(desk.page).getByText("Sirens in the north.").waitFor();

    // The contributor corrects it while both desks still show the first text.
    await server.app.store.accounts.editDraft("draft-story", draft.id, { changes: { body: "Sirens in the north and the east." }, at: new Date().toISOString() });
    await itemIn(a.page).getByTestId("publish-draft").click();
    await itemIn(a.page).getByRole("alert").getByText(/^Someone changed this draft after you opened it\. It now shows the new text/).waitFor();
    await itemIn(a.page).getByText("Sirens in the north and the east.").waitFor(); // reloaded
    let stored = (await (await server.api("/api/stories/draft-story")).json()) as Snapshot;
    expect(stored.version).toBe(1); // nothing published from the old text
    await screenshot(a.page, "editor-desk-draft-changed");

    await itemIn(a.page).getByTestId("publish-draft").click();
    await itemIn(a.page).waitFor({ state: "detached" });
    stored = (await (await server.api("/api/stories/draft-story")).json()) as Snapshot;
    expect(Object.values(stored.entries).map((e) => e.body)).toEqual(["Sirens in the north and the east."]);

    // The other desk still shows the draft; discarding it now is told who published it.
    await itemIn(b.page).getByTestId("discard-draft").click();
    await b.page.getByTestId("discard-draft-confirm").getByRole("button", { name: "Yes, discard" }).click();
    await b.page.locator(".desk-status", { hasText: "This draft was already published by ed2." }).waitFor();
    await itemIn(b.page).waitFor({ state: "detached" });
    expect(((await (await server.api("/api/stories/draft-story")).json()) as Snapshot).version).toBe(2);
    for (const desk of [a, b]) expect(pageErrors(desk.page).filter((error) => /Content Security Policy|CSP violation/i.test(error))).toEqual([]);
    await a.context.close();
    await b.context.close();
  });
});
