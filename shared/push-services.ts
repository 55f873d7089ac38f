/**
 * What PUSH_SERVICES and PUSH_CONTACT may say (DESIGN.md §2), judged when the server starts so that
 * a mistake stops it with a clear message instead of alerts that never arrive.
 */

/** Host names no push service accepts in a contact (Apple refuses a VAPID `sub` naming localhost). */
const LOCAL_HOST = /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0)$/i;

/** Why a list of push service origins is refused, or undefined. An origin may start its host with `*.`. */
export function pushServicesRefusal(origins: readonly string[]): string | undefined {
  if (origins.length === 0) return "must list at least one https:// origin";
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return `"${origin}" is not an origin like https://push.example`;
    }
    if (url.protocol !== "https:") return `"${origin}" must be an https:// origin (push messages are posted over TLS only)`;
    if (url.origin !== origin.replace(/\/+$/, "")) return `"${origin}" must be an origin alone (scheme, host and port, no path)`;
  }
  return undefined;
}

/** Why a VAPID contact is refused, or undefined: a `mailto:` address or an `https:` URL on a public host. */
export function pushContactRefusal(contact: string): string | undefined {
  let url: URL;
  try {
    url = new URL(contact);
  } catch {
    return "must be a mailto: address or an https: URL";
  }
  if (url.protocol === "mailto:") return /^[^@\s]+@[^@\s]+$/.test(url.pathname) ? undefined : "must be a mailto: address like mailto:desk@example.org";
  if (url.protocol !== "https:") return "must be a mailto: address or an https: URL";
  if (LOCAL_HOST.test(url.hostname)) return "must not name localhost or a loopback address: push services (Apple's among them) refuse it";
  return undefined;
}
