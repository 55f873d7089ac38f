/**
 * The stories this browser gets alerts for, and the push endpoint each was subscribed with, kept
 * where both the pages and the service worker reach them (Cache Storage: a worker has no
 * localStorage), so the worker can subscribe them all again when the browser renews the push
 * subscription (`pushsubscriptionchange`). Kept by the browser alone: the server knows only endpoints.
 */
export type AlertStories = Record<string, string>;

const CACHE = "live-ticker-alerts";
const KEY = "/alert-stories.json";

export async function alertStories(): Promise<AlertStories> {
  const stored = await (await caches.open(CACHE)).match(KEY);
  if (!stored) return {};
  try {
    const parsed = (await stored.json()) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as AlertStories) : {};
  } catch {
    return {};
  }
}

export async function keepAlertStories(stories: AlertStories): Promise<void> {
  await (await caches.open(CACHE)).put(KEY, new Response(JSON.stringify(stories), { headers: { "content-type": "application/json" } }));
}
