import { requestJson } from "../lib/request.js";
import { alertStories, keepAlertStories } from "./alert-stories.js";
import { base64urlBytes } from "./base64url.js";

/**
 * A reader's breaking-news alerts for one story, in the browser (issue 33): whether this browser
 * can have them, and turning them on and off. The browser's permission prompt comes only from
 * `turnOn`, which a click calls; never on load.
 */

/** What the reader's control shows. */
export type AlertState = "unsupported" | "off" | "on" | "blocked";

/** The service worker's URL and scope: the whole site, so one worker serves every story. */
const WORKER_URL = "/alert-worker.js";

export function pushSupported(): boolean {
  return typeof window !== "undefined" && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.getRegistration("/");
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** The state as it is now: the browser's permission, and whether this story is among this browser's alerts. */
export async function alertState(storyId: string): Promise<AlertState> {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "blocked";
  const subscription = await currentSubscription();
  return subscription && (await alertStories())[storyId] === subscription.endpoint ? "on" : "off";
}

/**
 * Subscribes this browser to the story's alerts: registers the worker, asks for permission (the
 * browser's prompt), and gives the server the subscription. "blocked" when the reader said no.
 */
export async function turnOn(storyId: string): Promise<AlertState> {
  const { publicKey } = await requestJson<{ publicKey: string }>("/api/push/key");
  const registration = await navigator.serviceWorker.register(WORKER_URL, { scope: "/" });
  await navigator.serviceWorker.ready;
  if ((await Notification.requestPermission()) !== "granted") return Notification.permission === "denied" ? "blocked" : "off";
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64urlBytes(publicKey) }));
  await requestJson(`/api/stories/${encodeURIComponent(storyId)}/push-subscriptions`, { method: "POST", body: subscription.toJSON() });
  await keepAlertStories({ ...(await alertStories()), [storyId]: subscription.endpoint });
  return "on";
}

/** Unsubscribes from the story's alerts; the browser's subscription goes too when no other story uses it. */
export async function turnOff(storyId: string): Promise<AlertState> {
  const subscription = await currentSubscription();
  const { [storyId]: _gone, ...others } = await alertStories();
  await keepAlertStories(others);
  if (!subscription) return "off";
  await requestJson(`/api/stories/${encodeURIComponent(storyId)}/push-subscriptions`, { method: "DELETE", body: { endpoint: subscription.endpoint } });
  const stillUsed = Object.values(others).includes(subscription.endpoint);
  if (!stillUsed) await subscription.unsubscribe();
  return "off";
}
