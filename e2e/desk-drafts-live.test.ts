import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../shared/accounts.js";
import type { Snapshot } from "../shared/story.js";
import { hashPassword } from "../server/auth/passwords.js";
import { createAccount } from "../server/auth/accounts-service.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot } from "./browser.js";

const PASSWORD = "correct horse battery";
const STORY = "drafts-live";

/**
 * Issue 13: drafts are live on the desk. A contributor's draft reaches the editor's queue without
 * a poll, and the contributor is told in the draft's place who published or discarded it.
 */
describe.skipIf(browserMissing)("drafts on the desk, live (an editor and a contributor in two browsers)", () => {
  let server: TestServer;
  let browser: Browser;

  const account = async (username: string, displayName: string, role: Role) => {
    const { user } = await createAccount(server.app.store.accounts, username, role);
    await server.app.store.accounts.updateUser(user.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false, displayName });
  };
  /** A signed-in desk on the story, once its drafts are live; counts its HTTP requests for drafts. */
  const deskPage = async (username: string, viewport = { width: 1280, height: 900 }) => {
    const { context, page } = await openPage(browser, `${server.url}/editor#story=${STORY}`, { viewport });
    const draftRequests: string[] = [];
    page.on("request", (request) => {
      if (/\/drafts(\?|$)/.test(request.url()) && request.method() === "GET") draftRequests.push(request.url());
    });
    const form = page.getByTestId("login-form");
    await form.getByLabel("Username").fill(username);
    await form.getByLabel("Password").fill(PASSWORD);
    await form.getByRole("button", { name: "Sign in" }).click();
    await page.locator('[data-testid="drafts"][data-live="true"]').waitFor();
    return { context, page, draftRequests };
  };
  const submitDraft = async (page: Page, headline: string, body: string) => {
    const composer = page.getByTestId("composer");
    await composer.getByLabel(/Headline/).fill(headline);
    await composer.getByLabel(/Update/).fill(body);
    await composer.getByTestId("publish").click();
  };
  const itemWith = (page: Page, text: string) => page.getByTestId("drafts").locator("li.draft", { hasText: text });

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    await account("olena", "Olena", "editor");
    await account("wren", "Wren Ivanenko", "contributor");
    expect((await server.api("/api/stories", { body: { id: STORY, title: "Strikes on the capital" } })).status).toBe(201);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("brings a contributor's draft to the editor at once, and tells the contributor who published or discarded it", async () => {
    const editor = await deskPage("olena");
    const contributor = await deskPage("wren");

    await submitDraft(contributor.page, "Power cut in Podil", "Several streets in **Podil** are without power after the strike.");
    // Far sooner than the 15 s poll this replaced, and with no request for the list at all.
    await itemWith(editor.page, "Power cut in Podil").getByTestId("publish-draft").waitFor({ timeout: 5_000 });
    expect(editor.draftRequests).toEqual([]);
    await screenshot(editor.page, "desk-drafts-live-editor-queue");

    await itemWith(editor.page, "Power cut in Podil").getByTestId("publish-draft").click();
    const notice = itemWith(contributor.page, "Power cut in Podil");
    await notice.getByText("Published by Olena").waitFor({ timeout: 5_000 });
    await contributor.page.locator(".desk-status", { hasText: "Your draft “Power cut in Podil” was published by Olena." }).waitFor();
    const story = (await (await server.api(`/api/stories/${STORY}`)).json()) as Snapshot;
    const [entry] = Object.values(story.entries);
    expect(entry!.headline).toBe("Power cut in Podil");
    expect(await notice.getByTestId("published-entry").getAttribute("href")).toBe(`/stories/${STORY}#${entry!.id}`);
    // The editor who published sees no notice of their own publish: the draft simply leaves the queue.
    await itemWith(editor.page, "Power cut in Podil").waitFor({ state: "detached" });

    await submitDraft(contributor.page, "Unconfirmed: bridge hit", "Reports of a strike near the bridge.");
    const second = itemWith(editor.page, "Unconfirmed: bridge hit");
    await second.getByTestId("discard-draft").click({ timeout: 5_000 });
    await editor.page.getByTestId("discard-draft-confirm").getByRole("button", { name: "Yes, discard" }).click();
    await itemWith(contributor.page, "Unconfirmed: bridge hit").getByText("Discarded by Olena").waitFor({ timeout: 5_000 });

    await notice.scrollIntoViewIfNeeded();
    await screenshot(contributor.page, "desk-drafts-live-contributor");
    await contributor.page.setViewportSize({ width: 390, height: 844 });
    await contributor.page.locator(".desk-status:empty").waitFor({ state: "attached" }); // the announcement has gone
    await contributor.page.getByTestId("drafts").scrollIntoViewIfNeeded();
    await screenshot(contributor.page, "desk-drafts-live-contributor-390");
    await contributor.page.setViewportSize({ width: 1280, height: 900 });

    // Closed while its author is editing it: the text stays in the form to copy from, Save is off.
    await submitDraft(contributor.page, "Shelter open", "The metro station shelter is open.");
    const editing = itemWith(contributor.page, "Shelter open");
    await editing.getByTestId("edit-draft").click();
    await editing.getByLabel(/Update/).fill("The metro station shelter is open, entrance from the square.");
    await itemWith(editor.page, "Shelter open").getByTestId("discard-draft").click();
    await editor.page.getByTestId("discard-draft-confirm").getByRole("button", { name: "Yes, discard" }).click();
    await editing.getByRole("alert").getByText(/^Discarded by Olena while you were editing it/).waitFor({ timeout: 5_000 });
    expect(await editing.getByLabel(/Update/).inputValue()).toBe("The metro station shelter is open, entrance from the square.");
    expect(await editing.getByRole("button", { name: "Save draft" }).isDisabled()).toBe(true);
    await screenshot(contributor.page, "desk-drafts-live-closed-while-editing");
    await editing.getByRole("button", { name: "Cancel" }).click();
    await editing.getByTestId("discard-changes").getByRole("button", { name: "Yes, discard" }).click();
    await editing.locator(".draft-outcome", { hasText: "Discarded by Olena" }).waitFor();

    await notice.getByTestId("dismiss-draft").click();
    await notice.waitFor({ state: "detached" });
    // The one 401 is the desk asking for a session before signing in.
    for (const desk of [editor, contributor]) expect(pageErrors(desk.page).filter((error) => !/401/.test(error))).toEqual([]);
    await editor.context.close();
    await contributor.context.close();
  });
});
