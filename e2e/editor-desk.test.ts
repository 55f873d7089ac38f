import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../shared/story.js";
import { hashPassword } from "../server/auth/passwords.js";
import { createAccount } from "../server/auth/accounts-service.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild, stopChild, type Child } from "../server/test/child-server.js";
import { startServer, TOKEN, type TestServer } from "../server/test/harness.js";
import { browserMissing, failedRequest, launchBrowser, openPage, pageErrors, screenshot, SIGNED_OUT, UNKNOWN_WRITE, unexpectedErrors } from "./browser.js";

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
    await editor("ed3");
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
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
    await screenshot(page, "editor-desk");
    await reader.context.close();
    await context.close();
  });

  /** A story with entries, made through the API; returns the entry ids, oldest first. */
  const storyWith = async (id: string, bodies: { body: string; headline?: string }[]) => {
    await server.api("/api/stories", { body: { id, title: `Story ${id}` } });
    const ids: string[] = [];
    for (const entry of bodies) {
      const response = await server.api(`/api/stories/${id}/entries`, { body: entry });
      ids.push(((await response.json()) as { entry: { id: string } }).entry.id);
    }
    return ids;
  };
  const stored = async (storyId: string) => (await (await server.api(`/api/stories/${storyId}`)).json()) as Snapshot;

  it("two editors on one entry: names who changed it, merges changes that do not overlap, asks before replacing theirs, and edits again from theirs", async () => {
    const [id] = await storyWith("conflict-story", [{ body: "At least 11 people were hurt.", headline: "Toll" }]);
    const a = await deskPage("ed2", "conflict-story");
    const b = await deskPage("ed3", "conflict-story");
    const entryIn = (page: Page) => page.getByTestId(`entry-${id}`);
    const edit = async (page: Page, body: string) => {
      await entryIn(page).getByTestId("edit").click();
      await entryIn(page).getByLabel(/Update/).fill(body);
    };

    // Round 1: B adds a sentence, A (editing from the same version) changes the number: both kept.
    await edit(a.page, "At least 15 people were hurt.");
    await edit(b.page, "At least 11 people were hurt. Two are in hospital.");
    await entryIn(b.page).getByTestId("save-edit").click();
    await entryIn(b.page).getByText("Two are in hospital").waitFor();
    await entryIn(a.page).getByTestId("save-edit").click();
    const conflict = a.page.getByTestId("conflict");
    await conflict.waitFor();
    await expect(conflict.getByRole("heading", { level: 2 }).textContent()).resolves.toContain("ed3 changed this story");
    await expect(conflict.getByTestId("conflict-since").textContent()).resolves.toMatch(/ed3 at \d/);
    const panelText = await conflict.textContent();
    expect(panelText).toContain("At least 11 people were hurt. Two are in hospital."); // theirs
    expect(panelText).toContain("At least 15 people were hurt."); // mine
    expect((await stored("conflict-story")).entries[id!]!.body).toBe("At least 11 people were hurt. Two are in hospital."); // nothing overwritten yet
    await screenshot(a.page, "editor-desk-conflict");
    await conflict.getByTestId("merge").click();
    await conflict.waitFor({ state: "detached" });
    await entryIn(a.page).getByText("At least 15 people were hurt. Two are in hospital.").waitFor();
    expect((await stored("conflict-story")).entries[id!]!.body).toBe("At least 15 people were hurt. Two are in hospital.");

    // Round 2: both change the same words. No merge; "Replace theirs with mine" asks first.
    await edit(a.page, "At least 16 people were hurt. Two are in hospital.");
    await edit(b.page, "At least 17 people were hurt. Two are in hospital.");
    await entryIn(b.page).getByTestId("save-edit").click();
    await entryIn(b.page).getByText("At least 17").waitFor();
    await entryIn(a.page).getByTestId("save-edit").click();
    await conflict.waitFor();
    expect(await conflict.getByTestId("merge").count()).toBe(0);
    await conflict.getByTestId("replace").click();
    await conflict.getByTestId("replace-confirm").waitFor();
    expect((await stored("conflict-story")).entries[id!]!.body).toContain("At least 17"); // asking changed nothing
    await conflict.getByRole("button", { name: "No", exact: true }).click();

    // "Edit again starting from theirs": their text in the editor, mine beside it, then saved on top.
    await conflict.getByTestId("edit-from-theirs").click();
    await conflict.waitFor({ state: "detached" });
    const body = entryIn(a.page).getByLabel(/Update/);
    await expect(body.inputValue()).resolves.toBe("At least 17 people were hurt. Two are in hospital.");
    await expect(entryIn(a.page).getByTestId("my-version").textContent()).resolves.toContain("At least 16 people");
    await expect(body.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await body.fill("At least 17 people were hurt, police say. Two are in hospital.");
    await entryIn(a.page).getByTestId("save-edit").click();
    // The form's own preview shows the words at once: the save has landed when the form has closed.
    await entryIn(a.page).getByTestId("edit").waitFor();
    await entryIn(a.page).getByText("police say").waitFor();
    const final = (await stored("conflict-story")).entries[id!]!;
    expect(final.body).toBe("At least 17 people were hurt, police say. Two are in hospital.");
    expect(final.revision).toBe(5);

    // Round 3: "Replace theirs with mine", confirmed, does overwrite: and says so first.
    await edit(a.page, "Mine wins.");
    await edit(b.page, "Theirs first.");
    await entryIn(b.page).getByTestId("save-edit").click();
    await entryIn(b.page).getByText("Theirs first.").waitFor();
    await entryIn(a.page).getByTestId("save-edit").click();
    await conflict.getByTestId("replace").click();
    await conflict.getByRole("button", { name: "Yes, replace theirs" }).click();
    await conflict.waitFor({ state: "detached" });
    expect((await stored("conflict-story")).entries[id!]!.body).toBe("Mine wins.");
    // The edits the test makes collide on purpose: their 412s are the conflicts shown.
    const conflicts = failedRequest("412 (Precondition Failed)", `/api/stories/conflict-story/entries/${id}`);
    for (const desk of [a, b]) expect(unexpectedErrors(desk.page, SIGNED_OUT, conflicts)).toEqual([]);
    await a.context.close();
    await b.context.close();
  });

  it("saves story settings, and both desks' story lists show the new title at once (derived from the live story)", async () => {
    await storyWith("settings-story", []);
    const a = await deskPage("ed2", "settings-story");
    const b = await deskPage("ed3", "settings-story");
    const settings = a.page.getByTestId("story-settings");
    await settings.locator("summary").click();
    const title = settings.getByLabel("Title");
    await expect(title.inputValue()).resolves.toBe("Story settings-story");
    await title.fill("Bridge closed after blasts");
    await settings.getByRole("button", { name: "Save title and summary" }).click();
    for (const desk of [a, b]) await desk.page.getByTestId("story-list").getByText("Bridge closed after blasts").waitFor();
    await expect(b.page.title()).resolves.toContain("Bridge closed after blasts");
    expect((await stored("settings-story")).title).toBe("Bridge closed after blasts");
    // Not dirty once saved: the form follows the live story again.
    await expect(settings.getByRole("button", { name: "Undo changes" }).count()).resolves.toBe(0);
    await b.page.getByTestId("story-settings").locator("summary").click();
    await expect(b.page.getByTestId("story-settings").getByLabel("Title").inputValue()).resolves.toBe("Bridge closed after blasts");
    for (const desk of [a, b]) expect(unexpectedErrors(desk.page, SIGNED_OUT)).toEqual([]);
    await a.context.close();
    await b.context.close();
  });

  it("asks before Escape throws a changed edit away; an unchanged one closes at once", async () => {
    const [id] = await storyWith("escape-story", [{ body: "Original text." }]);
    const { context, page } = await deskPage("ed2", "escape-story");
    const entry = page.getByTestId(`entry-${id}`);
    await entry.getByTestId("edit").click();
    const body = entry.getByLabel(/Update/);
    await body.press("Escape");
    await entry.getByTestId("edit").waitFor(); // nothing typed: closed

    await entry.getByTestId("edit").click();
    await body.fill("Original text, with a fact I must not lose.");
    await body.press("Escape");
    const ask = entry.getByTestId("discard-changes");
    await ask.waitFor();
    await expect(entry.getByTestId("keep-editing").evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await page.keyboard.press("Escape"); // Escape again: keep editing
    await ask.waitFor({ state: "detached" });
    await expect(body.inputValue()).resolves.toBe("Original text, with a fact I must not lose.");
    await expect(body.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await entry.getByRole("button", { name: "Cancel" }).click();
    await ask.getByRole("button", { name: "Yes, discard" }).click();
    await entry.getByTestId("edit").waitFor();
    expect((await stored("escape-story")).entries[id!]!.body).toBe("Original text.");
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
    await context.close();
  });

  it("keeps focus on an entry's Pin button as it moves, scrolls it into view and says where it went", async () => {
    const ids = await storyWith(
      "pin-story",
      Array.from({ length: 8 }, (_, i) => ({ body: `Paragraph ${i} of a long story.\n\n${"Filler text. ".repeat(30)}`, headline: `Update ${i}` })),
    );
    const { context, page } = await openPage(browser, `${server.url}/editor#story=pin-story`, { viewport: { width: 1366, height: 700 } });
    await signIn(page, "ed2", PASSWORD);
    const oldest = page.getByTestId(`entry-${ids[0]}`);
    const pin = oldest.getByTestId("pin");
    await pin.scrollIntoViewIfNeeded();
    await pin.focus();
    await page.keyboard.press("Enter");
    await pin.filter({ hasText: "Unpin" }).waitFor();
    await page.locator(".desk-status", { hasText: "Pinned “Update 0”" }).waitFor();
    const state = await pin.evaluate((el) => {
      const box = el.getBoundingClientRect();
      return { focused: el === document.activeElement, inView: box.top >= 0 && box.bottom <= innerHeight };
    });
    expect(state).toEqual({ focused: true, inView: true });
    // It moved: first in the list now.
    await expect(page.locator(".live-entries .desk-entry").first().getAttribute("data-testid")).resolves.toBe(`entry-${ids[0]}`);

    await page.keyboard.press("Enter"); // and back
    await pin.filter({ hasText: /^\s*Pin\s*$/ }).waitFor();
    await page.locator(".desk-status", { hasText: "Unpinned “Update 0”" }).waitFor();
    await expect(pin.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
    await context.close();
  });

  it("puts the composer and Publish on screen at 1366×850 and on a phone, and shows the last published update beside it", async () => {
    await storyWith("layout-story", [{ body: "Earlier update.", headline: "Earlier" }]);
    await server.api("/api/stories/layout-story", { method: "PATCH", body: { summary: "A long summary of the story. ".repeat(6) }, headers: { "If-Match": '"2"' } });
    for (const [name, options] of [
      ["1366x850", { viewport: { width: 1366, height: 850 } }],
      ["390x844", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }],
    ] as const) {
      const { context, page } = await openPage(browser, `${server.url}/editor#story=layout-story`, options);
      await signIn(page, "ed2", PASSWORD);
      const composer = page.getByTestId("composer");
      const headline = composer.getByLabel(/Headline/);
      await headline.waitFor();
      const box = async (selector: ReturnType<Page["locator"]>) => (await selector.boundingBox())!;
      const height = options.viewport.height;
      expect((await box(headline)).y, `${name}: headline field on screen`).toBeLessThan(height * 0.6);
      if (name === "1366x850") {
        const publish = await box(composer.getByTestId("publish"));
        expect(publish.y + publish.height, `${name}: Publish on screen`).toBeLessThanOrEqual(height);
      }
      await headline.fill(`Layout check ${name}`);
      await composer.getByLabel(/Update/).fill("Something happened.");
      await composer.getByLabel(/Update/).press("Control+Enter");
      const last = page.getByTestId("last-published");
      await last.getByText(`Layout check ${name}`).waitFor();
      if (name === "1366x850") {
        const shown = await box(last);
        expect(shown.y + 40, `${name}: last published update in view`).toBeLessThanOrEqual(height);
      }
      await screenshot(page, `editor-desk-${name}`);
      expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
      await context.close();
    }
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

    // The other desk is told at once, in the draft's place, who published it (drafts are live).
    await itemIn(b.page).getByText("Published by ed2").waitFor();
    expect(await itemIn(b.page).getByTestId("discard-draft").count()).toBe(0);
    expect(((await (await server.api("/api/stories/draft-story")).json()) as Snapshot).version).toBe(2);
    // Refused on purpose: publishing the text the contributor had changed, discarding a published draft.
    expect(unexpectedErrors(a.page, SIGNED_OUT, failedRequest("412 (Precondition Failed)", `/api/stories/draft-story/drafts/${draft.id}/publish`))).toEqual([]);
    expect(unexpectedErrors(b.page, SIGNED_OUT, failedRequest("409 (Conflict)", `/api/stories/draft-story/drafts/${draft.id}`))).toEqual([]);
    await a.context.close();
    await b.context.close();
  });
});

describe.skipIf(browserMissing)("the desk when the server stalls (a child process stopped with SIGSTOP)", () => {
  let child: Child;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-stall-"));
  const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(child.url + path, {
      method: init.method ?? (init.body ? "POST" : "GET"),
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });

  beforeAll(async () => {
    child = await startChild(dataDir);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    if (child) {
      child.process.kill("SIGCONT");
      await stopChild(child.process);
    }
    await browser?.close();
  });

  it("says after 10 s that the update may not have gone out, keeps the text editable, and settles it by itself once the server is back: not sent, then Publish sends it once", { timeout: 90_000 }, async () => {
    // An editor with a password of their own, as after the first sign-in.
    const { password } = (await (await admin("/api/users", { body: { username: "stalled", role: "editor" } })).json()) as { password: string };
    const session = await fetch(`${child.url}/api/session`, { method: "POST", headers: { "Content-Type": "application/json", Origin: child.url }, body: JSON.stringify({ username: "stalled", password }) });
    const cookie = session.headers.get("set-cookie")!.split(";")[0]!;
    const changed = await fetch(`${child.url}/api/session/password`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: cookie, Origin: child.url },
      body: JSON.stringify({ currentPassword: password, newPassword: PASSWORD }),
    });
    expect(changed.status).toBeLessThan(300);
    await admin("/api/stories", { body: { id: "stall-story", title: "Stall story" } });

    const { context, page } = await openPage(browser, `${child.url}/editor#story=stall-story`, { viewport: { width: 1366, height: 850 } });
    const form = page.getByTestId("login-form");
    await form.getByLabel("Username").fill("stalled");
    await form.getByLabel("Password").fill(PASSWORD);
    await form.getByRole("button", { name: "Sign in" }).click();
    await page.locator('.workspace-head [data-status="live"]').waitFor();
    const keys: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && request.url().endsWith("/entries")) keys.push(request.headers()["idempotency-key"] ?? "");
    });

    const composer = page.getByTestId("composer");
    await composer.getByLabel(/Headline/).fill("Bridge closed");
    await composer.getByLabel(/Update/).fill("Police closed the bridge.");
    child.process.kill("SIGSTOP");
    try {
      await composer.getByTestId("publish").click();
      await composer.getByTestId("publish").filter({ hasText: "Publishing…" }).waitFor();
      const alert = composer.getByRole("alert");
      await alert.waitFor({ timeout: 20_000 });
      await expect(alert.textContent()).resolves.toMatch(/did not answer in time: your update may or may not have gone out/);
      await page.getByTestId("server-silent").waitFor(); // no longer "Live"
      await expect(composer.getByTestId("publish").textContent()).resolves.toContain("Try again");
      // The text stays editable.
      const body = composer.getByLabel(/Update/);
      await expect(body.getAttribute("readonly")).resolves.toBeNull();
      await body.fill("Police closed the bridge in both directions.");
      await body.fill("Police closed the bridge.");
      await screenshot(page, "editor-desk-stalled");
    } finally {
      child.process.kill("SIGCONT");
    }
    // Nobody presses "Try again": once the server answers, the desk asks it about the key. The
    // browser gave up on the request after 10 s, so the resumed server never took it: "Not sent",
    // and nothing in the story. (Publish keeps the key: had the request still been on its way,
    // sending again would only replay it.)
    await composer.getByRole("alert").filter({ hasText: "Not sent: the server never received your update" }).waitFor({ timeout: 30_000 });
    await expect(composer.getByTestId("publish").textContent()).resolves.toContain("Publish");
    const before = (await (await admin("/api/stories/stall-story")).json()) as Snapshot;
    expect(Object.values(before.entries).filter((entry) => entry.headline === "Bridge closed")).toHaveLength(0);
    await screenshot(page, "editor-desk-stall-not-sent");
    await composer.getByTestId("publish").click();
    await page.locator(".desk-status", { hasText: "Published" }).waitFor({ timeout: 20_000 });
    await page.locator(".desk-entry", { hasText: "Bridge closed" }).waitFor();
    await expect(composer.getByLabel(/Headline/).inputValue()).resolves.toBe("");

    const story = (await (await admin("/api/stories/stall-story")).json()) as Snapshot;
    expect(Object.values(story.entries).filter((entry) => entry.headline === "Bridge closed")).toHaveLength(1);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keys).size).toBe(1); // the retry was the same request
    expect(unexpectedErrors(page, SIGNED_OUT, UNKNOWN_WRITE)).toEqual([]);
    await context.close();
  });
});
