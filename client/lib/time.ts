import { DEFAULT_LANGUAGE } from "../../shared/language.js";

/**
 * Timestamps as readers expect them: relative while recent ("4 min ago"), the time of day later
 * today, the date beyond that; in the page's language (see `pageLocale`) and the reader's time zone
 * via Intl. `locale` and `timeZone` are parameters so the server can render a neutral first paint
 * (UTC) and tests can pin them. Without `now` (the server's render, which a CDN may serve for a
 * while, and the hydration that must match it) times are absolute: a cached page never says
 * "2 min ago" of an update posted an hour before.
 */
export interface TimeContext {
  now?: number | undefined;
  locale?: string | undefined;
  timeZone?: string | undefined;
}

/**
 * The locale a page writes its times in: the page's language, never the browser's alone ("Last
 * updated зараз" inside an English page reads as a bug). A reader who prefers a regional form of
 * that same language and script gets it (an English page shows a British reader "14:05", an
 * American "02:05 PM"); anyone else gets the page's language as it stands.
 */
export function pageLocale(lang: string, preferred: readonly string[] = []): string {
  const page = languageAndScript(lang);
  if (page === undefined) return DEFAULT_LANGUAGE; // Intl would throw on it
  return preferred.find((tag) => languageAndScript(tag) === page) ?? lang;
}

/** "en-Latn" for "en-GB"; undefined for a tag Intl cannot read. */
function languageAndScript(tag: string): string | undefined {
  try {
    const locale = new Intl.Locale(tag).maximize();
    return `${locale.language}-${locale.script}`;
  } catch {
    return undefined;
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function relativeTime(iso: string, { now, locale, timeZone }: TimeContext): string {
  const at = Date.parse(iso);
  // No clock yet (server render, hydration): absolute, with the zone named when it is UTC.
  if (now === undefined) return `${shortDateTime(at, { locale, timeZone })}${timeZone === "UTC" ? " UTC" : ""}`;
  const ago = now - at;
  if (ago < MINUTE) return new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(0, "second");
  if (ago < HOUR) return new Intl.RelativeTimeFormat(locale, { numeric: "always", style: "short" }).format(-Math.floor(ago / MINUTE), "minute");
  if (ago < 12 * HOUR && sameDay(at, now, timeZone)) return clockTime(iso, { locale, timeZone });
  return shortDateTime(at, { locale, timeZone });
}

/** "24 May, 01:10". */
function shortDateTime(at: number, { locale, timeZone }: Omit<TimeContext, "now">): string {
  return new Intl.DateTimeFormat(locale, { timeZone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(at);
}

/** "03:10" in the reader's zone; used for "Updated 03:10" markers. */
export function clockTime(iso: string, { locale, timeZone }: Omit<TimeContext, "now">): string {
  return new Intl.DateTimeFormat(locale, { timeZone, hour: "2-digit", minute: "2-digit" }).format(Date.parse(iso));
}

/** The full date and time, for hover titles and screen readers. */
export function absoluteTime(iso: string, { locale, timeZone }: Omit<TimeContext, "now">): string {
  const text = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: "medium", timeStyle: "short" }).format(Date.parse(iso));
  return timeZone === "UTC" ? `${text} UTC` : text;
}

function sameDay(a: number, b: number, timeZone?: string): boolean {
  const day = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  return day.format(a) === day.format(b);
}
