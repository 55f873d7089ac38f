import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../shared/story.js";
import { hashPassword } from "../server/auth/passwords.js";
import { secretHash } from "../server/auth/secrets.js";
import { createAccount } from "../server/auth/accounts-service.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { browserMissing, failedRequest, launchBrowser, openPage, screenshot, SIGNED_OUT, unexpectedErrors } from "./browser.js";

/**
 * The desk's account pages in a real browser (issue 12): a token's scopes are chosen and shown,
 * an editor sets their own byline, and an admin whose sign-in is older than 15 minutes gives the
 * password again and the refused change goes through.
 */

const PASSWORD = "correct horse battery";

describe.skipIf(browserMissing)("the desk's accounts and tokens in a real browser", () => {
  let server: TestServer;
  let browser: Browser;

  const account = async (username: string, role: "admin" | "editor") => {
    const { user } = await createAccount(server.app.store.accounts, username, role);
    await server.app.store.accounts.updateUser(user.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false });
    return user;
  };
  const deskPage = async (username: string, hash: string) => {
    const { context, page } = await openPage(browser, `${server.url}/editor`);
    const form = page.getByTestId("login-form");
    await form.getByLabel("Username").fill(username);
    await form.getByLabel("Password").fill(PASSWORD);
    await form.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("whoami").waitFor();
    await page.evaluate((to) => (location.hash = to), hash);
    return { context, page };
  };

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("an editor sets their byline, which signs their entries; their token is created with the scopes chosen", async () => {
    await account("nadia", "editor");
    await server.api("/api/stories", { body: { id: "byline-story", title: "Byline story" } });
    const { context, page } = await deskPage("nadia", "#password");
    const byline = page.getByTestId("byline-form");
    await byline.getByLabel("Byline").fill("Nadia Kovalenko, Kharkiv");
    await byline.getByRole("button", { name: "Save byline" }).click();
    await page.getByRole("status").getByText("Nadia Kovalenko, Kharkiv").waitFor();

    await page.evaluate(() => (location.hash = "#story=byline-story"));
    const composer = page.getByTestId("composer");
    await composer.getByLabel(/Update/).fill("Sirens over the city.");
    await composer.getByLabel(/Update/).press("Control+Enter");
    await expect
      .poll(async () => Object.values(((await (await server.api("/api/stories/byline-story")).json()) as Snapshot).entries).map((e) => e.author.name))
      .toEqual(["Nadia Kovalenko, Kharkiv"]);

    await page.evaluate(() => (location.hash = "#tokens"));
    const tokens = page.getByTestId("tokens");
    await tokens.getByLabel("Token name").fill("Alerts bot");
    await tokens.getByRole("checkbox", { name: /manage/ }).check();
    await tokens.getByRole("button", { name: "Create token" }).click();
    const row = tokens.locator(".record", { hasText: "Alerts bot" });
    await row.waitFor();
    expect(await row.getByTestId("scope").allTextContents()).toEqual(["write", "manage"]);
    await screenshot(page, "editor-desk-token-scopes");
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
    await context.close();
  });

  it("asks an admin whose sign-in is older than 15 minutes for the password, then makes the account", async () => {
    const admin = await account("olena", "admin");
    const { context, page } = await deskPage("olena", "#admin");
    await page.getByTestId("users").getByTestId("user-olena").waitFor();

    // The browser's session, as if signed in 16 minutes ago (still active, so not expired).
    const cookie = (await context.cookies()).find((c) => c.name === "lt_session")!;
    const accounts = server.app.store.accounts;
    await accounts.deleteSession(secretHash(cookie.value));
    await accounts.createSession({ idHash: secretHash(cookie.value), userId: admin.id, createdAt: Date.now() - 16 * 60_000, lastSeenAt: Date.now() });

    const users = page.getByTestId("users");
    await users.getByLabel("Username").fill("petro");
    await users.getByRole("button", { name: "Add user" }).click();
    const reauth = users.getByTestId("reauth");
    await reauth.waitFor();
    expect(await accounts.userByUsername("petro")).toBeUndefined();
    await screenshot(page, "editor-desk-reauthenticate");

    await reauth.getByLabel("Your password").fill("not my password at all");
    await reauth.getByRole("button", { name: "Confirm and continue" }).click();
    await reauth.getByRole("alert").waitFor();
    await reauth.getByLabel("Your password").fill(PASSWORD);
    await reauth.getByRole("button", { name: "Confirm and continue" }).click();
    await users.getByTestId("user-petro").waitFor();
    await reauth.waitFor({ state: "detached" });
    expect(await accounts.userByUsername("petro")).toMatchObject({ username: "petro", displayName: "petro" });

    // The same fresh session renames the account's byline without asking again.
    const petro = users.getByTestId("user-petro");
    await petro.getByLabel("Byline", { exact: true }).fill("Petro Shevchenko");
    await petro.getByRole("button", { name: "Save" }).click();
    await expect.poll(async () => (await accounts.userByUsername("petro"))?.displayName).toBe("Petro Shevchenko");
    // Refused on purpose: the stale sign-in's first try (403) and the wrong password (a 401, as SIGNED_OUT).
    expect(unexpectedErrors(page, SIGNED_OUT, failedRequest("403 (Forbidden)", "/api/users"))).toEqual([]);
    await context.close();
  });
});
