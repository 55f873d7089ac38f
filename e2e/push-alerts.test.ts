/**
 * Breaking-news alerts in the reader's browser (issue 33), in Debian's Chromium: the live page and
 * an update's page offer "Get alerts for breaking updates" (only with JavaScript and push support,
 * and with no permission prompt on load); the service worker shows a notification for a push
 * delivered through the DevTools protocol (ServiceWorker.deliverPushMessage), with the story's
 * title, the update's headline, its language and direction, the story's tag and an icon; and its
 * click handler opens the update's page. Desktop and a 390 px phone, axe 0 serious/critical.
 */
import { createECDH, randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Browser, Page, Worker } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertPayload } from "../shared/push-alert.js";
import type { Snapshot } from "../shared/story.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, pageErrors } from "./browser.js";

const SHOTS = "/work/prompts/shots/push";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const desk = { author: { name: "Night desk" } };

interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  lang: string;
  dir: string;
  icon: string;
  data: { url: string };
}

/**
 * The notifications the page's service worker shows now. Read it only when no notification is
 * being shown: Chromium's getNotifications() deletes from its database every stored notification
 * the platform does not yet report as displayed (unless stored after the read began), so a read
 * while the worker is still showing one loses it for good (content/browser/notifications/
 * platform_notification_context_impl.cc). Polled while pushes were shown, about one run in eight
 * under load listed one notification of two. Readers are not affected: the worker never reads it.
 */
const shownNotifications = (page: Page) =>
  page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map(({ title, body, tag, lang, dir, icon, data }) => ({ title, body, tag, lang, dir, icon, data }));
  }) as Promise<ShownNotification[]>;

/**
 * Counts the showNotification() calls of the worker that have resolved, which Chromium does once the
 * notification is on display: a test waits on this count, then reads the list once.
 */
async function countShows(worker: Worker): Promise<() => Promise<number>> {
  await worker.evaluate(() => {
    const scope = self as unknown as { registration: ServiceWorkerRegistration; shows: number };
    const show = scope.registration.showNotification.bind(scope.registration);
    scope.shows = 0;
    scope.registration.showNotification = async (...args) => {
      await show(...args);
      scope.shows += 1;
    };
  });
  return () => worker.evaluate(() => (self as unknown as { shows: number }).shows);
}

describe.skipIf(browserMissing)("breaking-news alerts in the browser", () => {
  let server: TestServer;
  let browser: Browser;
  let story: Snapshot;
  let entryId: string;

  beforeAll(async () => {
    server = await startServer({ pages: true, env: { PUSH_CONTACT: "mailto:alerts@example.org" } });
    browser = await launchBrowser();
    mkdirSync(SHOTS, { recursive: true });
    await server.app.service.createStory({ id: "harbour", title: "Harbour blast", summary: "What we know.", language: "ar" }, desk);
    const committed = await server.app.service.apply("harbour", { type: "add_entry", entryId: "e_blast1", body: "تفاصيل لاحقاً.", headline: "انفجار في الميناء", kind: "breaking", pinned: false }, desk);
    story = committed.snapshot;
    entryId = "e_blast1";
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("offers alerts on the live page and the update's page, prompting for nothing on load, readable on a phone", async () => {
    for (const [name, viewport] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
      const { context, page } = await openPage(browser, `${server.url}/stories/harbour`, { viewport });
      const toggle = page.getByRole("button", { name: "تلقَّ تنبيهات بالأخبار العاجلة" });
      await toggle.waitFor();
      expect(await toggle.getAttribute("aria-pressed")).toBe("false");
      expect(await page.evaluate(() => Notification.permission)).toBe("default"); // asked nothing on load
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: `${SHOTS}/live-page-alerts-${name}.png` });
      await page.goto(`${server.url}/stories/harbour/updates/${entryId}`);
      await page.getByRole("button", { name: "تلقَّ تنبيهات بالأخبار العاجلة" }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: `${SHOTS}/update-page-alerts-${name}.png` });
      expect(pageErrors(page)).toEqual([]);
      await context.close();
    }
  }, 120_000);

  it("says so, instead of offering the button, when the browser blocks notifications", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/harbour`, { viewport: DESKTOP });
    const cdp = await context.newCDPSession(page);
    const { targetInfo } = await cdp.send("Target.getTargetInfo");
    await cdp.send("Browser.setPermission", { permission: { name: "notifications" }, setting: "denied", origin: server.url, browserContextId: targetInfo.browserContextId! });
    await page.reload();
    await page.getByText("التنبيهات محظورة في إعدادات هذا المتصفح").waitFor();
    expect(await page.getByRole("button", { name: "تلقَّ تنبيهات بالأخبار العاجلة" }).count()).toBe(0);
    await context.close();
  });

  it("shows the notification a push delivers to the service worker, and a click opens the update", async () => {
    const { context, page } = await openPage(browser, `${server.url}/stories/harbour`, { viewport: DESKTOP });
    await context.grantPermissions(["notifications"], { origin: server.url });
    await page.evaluate(async () => {
      await navigator.serviceWorker.register("/alert-worker.js", { scope: "/" });
      await navigator.serviceWorker.ready;
    });
    const cdp = await context.newCDPSession(page);
    const registrationId = new Promise<string>((resolve) =>
      cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
        const ours = registrations.find((registration) => registration.scopeURL === `${server.url}/` && !registration.isDeleted);
        if (ours) resolve(ours.registrationId);
      }),
    );
    await cdp.send("ServiceWorker.enable");
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
    const shows = await countShows(worker);
    const push = async (data: string) => {
      const before = await shows();
      await cdp.send("ServiceWorker.deliverPushMessage", { origin: server.url, registrationId: await registrationId, data });
      await expect.poll(shows, { timeout: 10_000 }).toBe(before + 1);
    };
    const payload = alertPayload(story, entryId)!;
    await push(JSON.stringify(payload));
    const [shown, ...more] = await shownNotifications(page);
    expect(more).toEqual([]);
    expect(shown).toEqual({
      title: "Harbour blast", body: "انفجار في الميناء", tag: "story-harbour", lang: "ar", dir: "rtl",
      icon: `${server.url}/alert-icon.png`, data: { url: `/stories/harbour/updates/${entryId}` },
    });
    // A newer alert of the story replaces the one shown (same tag), rather than piling up.
    await push(JSON.stringify({ ...payload, body: "Second" }));
    expect((await shownNotifications(page)).map((n) => n.body)).toEqual(["Second"]);
    // A push that is not ours still shows something (never a silent push).
    await push("not json");
    expect(await shownNotifications(page)).toHaveLength(2);

    // The click. Headless Chromium shows no notification to click, and a window may be opened or
    // focused only from a real click (user activation), which a dispatched event is not. So the
    // worker's own handler runs on a notificationclick dispatched with the notification it shows,
    // with only the browser's openWindow and focus recorded instead of performed.
    const click = () =>
      worker.evaluate(async () => {
        const scope = self as unknown as { registration: ServiceWorkerRegistration; dispatchEvent(event: Event): boolean };
        const calls: string[] = [];
        const global = globalThis as unknown as Record<string, { prototype: Record<string, unknown> }>;
        global.Clients!.prototype.openWindow = async (url: string) => void calls.push(`open ${url}`);
        global.WindowClient!.prototype.focus = async function (this: { url: string }) {
          calls.push(`focus ${this.url}`);
          return this;
        };
        const [notification] = await scope.registration.getNotifications({ tag: "story-harbour" });
        const NotificationEventClass = global.NotificationEvent as unknown as new (type: string, init: { notification: Notification }) => Event;
        scope.dispatchEvent(new NotificationEventClass("notificationclick", { notification: notification! }));
        await new Promise((resolve) => setTimeout(resolve, 500));
        return { calls, left: (await scope.registration.getNotifications({ tag: "story-harbour" })).length };
      });
    const updateUrl = `${server.url}/stories/harbour/updates/${entryId}`;
    // No tab shows the update: the click opens it, and the notification goes.
    expect(await click()).toEqual({ calls: [`open ${updateUrl}`], left: 0 });
    // A tab already on the update: the click brings that tab forward instead of opening another.
    await push(JSON.stringify(payload));
    expect((await shownNotifications(page)).filter((n) => n.tag === "story-harbour")).toHaveLength(1);
    await page.goto(updateUrl);
    expect(await click()).toEqual({ calls: [`focus ${updateUrl}`], left: 0 });
    await context.close();
  }, 60_000);

  it("subscribes every story of the reader again when the browser renews the push subscription (pushsubscriptionchange)", async () => {
    const keys = () => ({ p256dh: createECDH("prime256v1").generateKeys().toString("base64url"), auth: randomBytes(16).toString("base64url") });
    const old = { endpoint: "https://fcm.googleapis.com/fcm/send/old-reader", keys: keys() };
    const renewed = { endpoint: "https://fcm.googleapis.com/fcm/send/renewed-reader", keys: keys() };
    expect((await fetch(`${server.url}/api/stories/harbour/push-subscriptions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(old) })).status).toBe(201);
    const { context, page } = await openPage(browser, `${server.url}/stories/harbour`, { viewport: DESKTOP });
    // As the reader's control left it: the story, with the endpoint it was subscribed with.
    await page.evaluate(async (endpoint) => {
      await navigator.serviceWorker.register("/alert-worker.js", { scope: "/" });
      await navigator.serviceWorker.ready;
      await (await caches.open("live-ticker-alerts")).put("/alert-stories.json", new Response(JSON.stringify({ harbour: endpoint })));
    }, old.endpoint);
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
    // Headless Chromium has no push service to renew a subscription: the event is dispatched with
    // the new subscription, as Firefox gives it.
    await worker.evaluate(async (json) => {
      const scope = self as unknown as { dispatchEvent(event: Event): boolean };
      const Extendable = (globalThis as unknown as { ExtendableEvent: new (type: string) => Event & { waitUntil(p: Promise<unknown>): void } }).ExtendableEvent;
      const event = Object.assign(new Extendable("pushsubscriptionchange"), { newSubscription: { endpoint: json.endpoint, toJSON: () => json } });
      scope.dispatchEvent(event);
    }, renewed);
    await expect
      .poll(async () => (await server.app.store.push.subscriptions("harbour", 0, 10)).map((s) => s.endpoint), { timeout: 10_000 })
      .toEqual([renewed.endpoint]);
    await expect
      .poll(() => page.evaluate(async () => (await (await caches.open("live-ticker-alerts")).match("/alert-stories.json"))?.json()), { timeout: 10_000 })
      .toEqual({ harbour: renewed.endpoint });
    await context.close();
  }, 60_000);
});
