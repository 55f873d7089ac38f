/**
 * The service worker of breaking-news alerts (issue 33), served as /alert-worker.js. It does two
 * things: shows a notification for every push (always: a push that shows nothing is a "silent"
 * one, and Safari revokes the subscriptions that receive them), and opens the update a click names,
 * focusing a tab already showing it; and when the browser renews the push subscription
 * (`pushsubscriptionchange`), subscribes again and tells the server for every story the reader
 * asked alerts of. Nothing is cached but that list (alert-stories.ts) and no request is intercepted.
 *
 * Typed by hand (the project's TypeScript speaks DOM, not WebWorker: the two libraries clash).
 */
import type { PushAlertPayload } from "../../shared/push-alert.js";
import { alertStories, keepAlertStories } from "./alert-stories.js";
import { base64urlBytes } from "./base64url.js";

interface WindowClient {
  url: string;
  focus(): Promise<WindowClient>;
  navigate(url: string): Promise<WindowClient | null>;
}
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  data: { json(): unknown } | null;
}
/** Firefox gives both; Chromium and Safari may give neither (the worker then subscribes itself). */
interface PushSubscriptionChangeEvent extends ExtendableEvent {
  oldSubscription?: PushSubscription | null;
  newSubscription?: PushSubscription | null;
}
interface NotificationEvent extends ExtendableEvent {
  notification: Notification;
}
interface WorkerScope {
  location: Location;
  registration: ServiceWorkerRegistration;
  clients: {
    matchAll(options: { type: "window"; includeUncontrolled: boolean }): Promise<WindowClient[]>;
    openWindow(url: string): Promise<WindowClient | null>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: "push", listener: (event: PushEvent) => void): void;
  addEventListener(type: "notificationclick", listener: (event: NotificationEvent) => void): void;
  addEventListener(type: "install", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "pushsubscriptionchange", listener: (event: PushSubscriptionChangeEvent) => void): void;
}

const worker = self as unknown as WorkerScope;
const ICON = "/alert-icon.png";

/** The alert a push carries, or undefined when it is not one of ours (then a plain notice is shown still). */
function alertOf(event: PushEvent): PushAlertPayload | undefined {
  try {
    const data = event.data?.json() as Partial<PushAlertPayload> | undefined;
    return data && typeof data.title === "string" && typeof data.url === "string" && data.url.startsWith("/") ? (data as PushAlertPayload) : undefined;
  } catch {
    return undefined;
  }
}

// A new version of this file takes over at once: it holds no state worth waiting for.
worker.addEventListener("install", (event) => event.waitUntil(worker.skipWaiting()));

worker.addEventListener("push", (event) => {
  const alert = alertOf(event);
  const shown = alert
    ? worker.registration.showNotification(alert.title, {
        body: alert.body,
        tag: alert.tag,
        lang: alert.lang,
        dir: alert.dir,
        icon: ICON,
        data: { url: alert.url },
      })
    : worker.registration.showNotification(worker.location.host, { icon: ICON, data: { url: "/" } });
  event.waitUntil(shown);
});

worker.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const path = (event.notification.data as { url?: string } | null)?.url ?? "/";
  const url = new URL(path, worker.location.origin).href;
  event.waitUntil(
    worker.clients.matchAll({ type: "window", includeUncontrolled: true }).then((tabs) => {
      const open = tabs.find((tab) => tab.url === url);
      return open ? open.focus() : worker.clients.openWindow(url);
    }),
  );
});

/** The browser's subscription now: the one the event brings, the one the registration has, or a new one. */
async function renewedSubscription(event: PushSubscriptionChangeEvent): Promise<PushSubscription> {
  if (event.newSubscription) return event.newSubscription;
  const current = await worker.registration.pushManager.getSubscription();
  if (current) return current;
  const { publicKey } = (await (await fetch("/api/push/key")).json()) as { publicKey: string };
  return worker.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64urlBytes(publicKey) });
}

const send = (storyId: string, method: "POST" | "DELETE", body: unknown) =>
  fetch(`/api/stories/${encodeURIComponent(storyId)}/push-subscriptions`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/**
 * The push service renewed (or dropped) the subscription: alerts would stop without a word. Each
 * story the reader asked for gets the new subscription, and the old endpoint is forgotten.
 */
async function subscribeAgain(event: PushSubscriptionChangeEvent): Promise<void> {
  const stories = await alertStories();
  if (Object.keys(stories).length === 0) return;
  const subscription = await renewedSubscription(event);
  const renewed: Record<string, string> = {};
  for (const [storyId, oldEndpoint] of Object.entries(stories)) {
    const answer = await send(storyId, "POST", subscription.toJSON());
    if (!answer.ok) continue; // the story is gone, or the server takes no more: that story's alerts end
    renewed[storyId] = subscription.endpoint;
    if (oldEndpoint !== subscription.endpoint) await send(storyId, "DELETE", { endpoint: oldEndpoint });
  }
  await keepAlertStories(renewed);
}

worker.addEventListener("pushsubscriptionchange", (event) => event.waitUntil(subscribeAgain(event)));
