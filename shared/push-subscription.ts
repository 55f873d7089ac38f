import { z } from "zod";

/**
 * The push services of the major browsers (PUSH_SERVICES' default): Chrome and other Chromium
 * browsers (FCM), Firefox (Mozilla autopush), Safari (Apple) and Edge (Windows Push Notification
 * Services, one host per region and node, hence the wildcard).
 */
export const DEFAULT_PUSH_SERVICES: readonly string[] = [
  "https://fcm.googleapis.com",
  "https://updates.push.services.mozilla.com",
  "https://web.push.apple.com",
  "https://*.notify.windows.com",
];

/** Longest endpoint URL taken: the major services' are under 500 characters. */
export const MAX_ENDPOINT_LENGTH = 1024;

/**
 * Whether a subscription's endpoint may be posted to: an https URL with no credentials, no port
 * other than 443's, whose origin is on the allow-list. An allowed origin may begin its host with
 * `*.`, which stands for one or more labels. The endpoint is a URL a stranger chose, which the
 * server will later POST to, so nothing else passes (server-side request forgery).
 */
export function endpointRefusal(endpoint: string, allowed: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "https:") return "must be an https URL";
  if (url.username || url.password) return "must not carry credentials";
  const origin = url.origin;
  const host = url.host;
  const admitted = allowed.some((entry) => {
    const pattern = new URL(entry);
    if (!pattern.hostname.startsWith("*.")) return pattern.origin === origin;
    // URL keeps the "*" of a wildcard host; the port must match as well.
    const suffix = pattern.host.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length && pattern.protocol === url.protocol;
  });
  return admitted ? undefined : "is not on a push service this server sends to (PUSH_SERVICES)";
}

/** Decoded length of a base64url text, or undefined if it is not base64url. */
function base64urlBytes(text: string): number | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  const bare = text.replace(/=+$/, "");
  return bare.length % 4 === 1 ? undefined : Math.floor((bare.length * 3) / 4);
}

/**
 * `POST /api/stories/:id/push-subscriptions`: a browser's `PushSubscription.toJSON()`. The keys
 * are the reader's P-256 public key (65 bytes, uncompressed) and its 16-byte auth secret (RFC 8291).
 */
export const PushSubscriptionBody = z.object({
  endpoint: z.string().max(MAX_ENDPOINT_LENGTH, `must be at most ${MAX_ENDPOINT_LENGTH} characters`),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    p256dh: z.string().max(100).refine((key) => base64urlBytes(key) === 65, "must be a P-256 public key (65 bytes, base64url)"),
    auth: z.string().max(40).refine((key) => base64urlBytes(key) === 16, "must be a 16-byte auth secret (base64url)"),
  }),
});

/** `DELETE /api/stories/:id/push-subscriptions`: the endpoint to forget. */
export const PushUnsubscribeBody = z.object({
  endpoint: z.string().max(MAX_ENDPOINT_LENGTH, `must be at most ${MAX_ENDPOINT_LENGTH} characters`),
});

/** A subscription as stored: nothing but what the browser gave (no address, no account, no time of day beyond its own). */
export interface PushSubscriptionRecord {
  storyId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}
