/**
 * The desk's side of breaking-news alerts (issue 33), in Debian's Chromium against the real server
 * as a child process that pushes to a local https push service (trusted through
 * NODE_EXTRA_CA_CERTS): the composer offers "Send an alert" for breaking updates only, on by
 * default, with the story's subscriber count beside it and in the header; after publishing, the
 * desk says "Alert sent to N readers" with what failed or was gone, as the node that sent it told
 * the desk's channel; turned off, nothing is pushed; a breaking draft is published with its own
 * toggle. Desktop and a 390 px phone, axe 0 serious/critical.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { children, startChild, stopChild, type Child } from "../server/test/child-server.js";
import { TOKEN, UNTHROTTLED } from "../server/test/harness.js";
import { newSubscription, startPushService, type LocalPushService, type TestSubscription } from "../server/test/push-service.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, screenshot, SIGNED_OUT, unexpectedErrors } from "./browser.js";

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const PASSWORD = "correct horse battery";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(browserMissing)("the desk's breaking-news alerts", () => {
  let service: LocalPushService;
  let node: Child;
  let browser: Browser;
  let dir: string;
  let paths = 0;

  /** Nadia's session cookie: drafts belong to accounts. */
  let nadia = "";
  const api = async (method: string, path: string, body?: unknown, as: "admin" | "nadia" = "admin") => {
    const response = await fetch(node.url + path, {
      method,
      headers: {
        ...(as === "admin" ? { authorization: `Bearer ${TOKEN}` } : { cookie: nadia, origin: node.url }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
    return response.status === 204 ? undefined : ((await response.json()) as Record<string, unknown>);
  };
  /** A story with `count` readers subscribed (a browser's subscription each, endpoints on the local service). */
  const storyWithReaders = async (id: string, count: number): Promise<TestSubscription[]> => {
    await api("POST", "/api/stories", { id, title: `Earthquake ${id}` });
    await api("POST", `/api/stories/${id}/entries`, { body: "Tremors felt across the region." });
    const readers = Array.from({ length: count }, () => newSubscription(service.origin, `/push/desk-${++paths}`));
    for (const reader of readers) await api("POST", `/api/stories/${id}/push-subscriptions`, reader.json);
    return readers;
  };
  const pushesTo = (readers: TestSubscription[]) => service.received.filter((push) => readers.some((reader) => reader.path === push.path)).length;

  /** Nadia's desk on `story`, signed in through the API (her password already chosen). */
  const signIn = async (password: string) => {
    const response = await fetch(`${node.url}/api/session`, { method: "POST", headers: { "content-type": "application/json", origin: node.url }, body: JSON.stringify({ username: "nadia", password }) });
    expect(response.status).toBe(200);
    return response.headers.get("set-cookie")!.split(";")[0]!;
  };
  const deskPage = async (story: string, viewport = DESKTOP): Promise<Page> => {
    const { context, page } = await openPage(browser, `${node.url}/editor`, { viewport });
    const [name, value] = (await signIn(PASSWORD)).split("=") as [string, string];
    await context.addCookies([{ name, value, url: node.url }]);
    await page.goto(`${node.url}/editor#story=${story}`);
    await page.reload(); // only the hash changed: load the desk again, now signed in
    await page.locator('.workspace-head [data-status="live"]').waitFor();
    return page;
  };

  beforeAll(async () => {
    service = await startPushService();
    dir = mkdtempSync(join(tmpdir(), "live-ticker-desk-alerts-"));
    node = await startChild(dir, { env: { NODE_EXTRA_CA_CERTS: service.certificateFile, PUSH_SERVICES: service.origin, PUSH_CONTACT: "mailto:alerts@example.org", ...UNTHROTTLED } });
    browser = await launchBrowser();
    // An editor whose one-time password is already replaced by her own.
    const { password } = (await api("POST", "/api/users", { username: "nadia", role: "editor" })) as { password: string };
    const cookie = await signIn(password);
    const changed = await fetch(`${node.url}/api/session/password`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: node.url, cookie },
      body: JSON.stringify({ currentPassword: password, newPassword: PASSWORD }),
    });
    expect(changed.status, await changed.clone().text()).toBeLessThan(300);
    nadia = await signIn(PASSWORD);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([...children].map((child) => stopChild(child, "SIGKILL")));
    await service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("offers the alert for breaking updates only, with the story's reach, and says what came of it once sent", { timeout: 60_000 }, async () => {
    const readers = await storyWithReaders("quake", 3);
    service.answer(readers[2]!.path, [410]); // this reader's browser dropped the subscription
    const page = await deskPage("quake");
    await expect(page.getByTestId("alert-subscribers").textContent()).resolves.toBe("3 readers asked for alerts");

    const composer = page.getByTestId("composer");
    await expect(composer.getByTestId("alert-toggle").count()).resolves.toBe(0); // an ordinary update alerts nobody
    await composer.getByLabel("Kind").selectOption("breaking");
    const toggle = composer.getByTestId("alert-toggle");
    await expect(toggle.isChecked()).resolves.toBe(true);
    await expect(composer.getByTestId("alert-toggle-count").textContent()).resolves.toBe("3 readers asked for alerts");
    await composer.getByLabel(/Headline/).fill("Magnitude 6.1 quake hits the coast");
    await composer.getByLabel(/Update/).fill("Buildings damaged in two towns; no casualties reported yet.");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "desk-alert-toggle-desktop");

    await composer.getByTestId("publish").click();
    const outcome = composer.getByTestId("alert-outcome");
    await outcome.waitFor({ timeout: 20_000 });
    await expect(outcome.textContent()).resolves.toBe("Last alert: Alert sent to 2 readers. No longer subscribed: 1.");
    await expect(page.getByTestId("alert-subscribers").textContent()).resolves.toBe("2 readers asked for alerts");
    expect(pushesTo(readers)).toBe(3);
    // Published, the composer is blank again and offers the alert afresh for the next breaking update.
    await composer.getByLabel("Kind").selectOption("breaking");
    await expect(toggle.isChecked()).resolves.toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "desk-alert-sent-desktop");
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
    await page.context().close();
  });

  it("publishes a breaking update without an alert when the editor turns it off, on a phone", { timeout: 60_000 }, async () => {
    const readers = await storyWithReaders("aftershock", 2);
    const page = await deskPage("aftershock", PHONE);
    const composer = page.getByTestId("composer");
    await composer.getByLabel("Kind").selectOption("breaking");
    await composer.getByTestId("alert-toggle").uncheck();
    await composer.getByLabel(/Update/).fill("A 4.2 aftershock, felt but harmless.");
    await composer.getByTestId("alert-toggle").scrollIntoViewIfNeeded();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "desk-alert-toggle-phone");
    await composer.getByTestId("publish").click();
    await page.locator(".desk-entry", { hasText: "aftershock, felt" }).waitFor();
    await sleep(2500); // the outbox is looked at every second: an alert would have gone by now
    expect(pushesTo(readers)).toBe(0);
    await expect(composer.getByTestId("alert-outcome").count()).resolves.toBe(0);
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
    await page.context().close();
  });

  it("publishes a breaking draft with its alert, and tells the desk on a phone", { timeout: 60_000 }, async () => {
    const readers = await storyWithReaders("tsunami", 2);
    await api("POST", "/api/stories/tsunami/drafts", { body: "Tsunami warning lifted for the coast.", kind: "breaking" }, "nadia");
    await api("POST", "/api/stories/tsunami/drafts", { body: "Schools reopen on Monday." }, "nadia");
    const page = await deskPage("tsunami", PHONE);
    const breaking = page.locator(".draft", { hasText: "Tsunami warning lifted" });
    await breaking.getByTestId("draft-alert-toggle").waitFor();
    await expect(breaking.getByTestId("draft-alert-toggle").isChecked()).resolves.toBe(true);
    await expect(page.locator(".draft", { hasText: "Schools reopen" }).getByTestId("draft-alert-toggle").count()).resolves.toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await breaking.getByTestId("publish-draft").click();
    const outcome = page.getByTestId("alert-outcome");
    await outcome.waitFor({ timeout: 20_000 });
    await expect(outcome.textContent()).resolves.toBe("Last alert: Alert sent to 2 readers.");
    expect(pushesTo(readers)).toBe(2);
    await outcome.scrollIntoViewIfNeeded();
    await screenshot(page, "desk-alert-sent-phone");
    expect(unexpectedErrors(page, SIGNED_OUT)).toEqual([]);
    await page.context().close();
  });
});
