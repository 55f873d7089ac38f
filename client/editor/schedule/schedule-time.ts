import { MAX_SCHEDULE_MS } from "../../../shared/schedule.js";
import { m, type Locale } from "../../lib/i18n.js";

/**
 * The desk's schedule picker speaks the editor's own clock: `<input type="datetime-local">` holds
 * a wall time with no zone, read in the browser's zone, and the zone is named beside it.
 */

const pad = (n: number) => String(n).padStart(2, "0");

/** A datetime-local value ("2026-05-24T14:30") for `ms`, in the browser's zone. */
export function localInputValue(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The moment a datetime-local value means in the browser's zone, as ISO; undefined if empty or unreadable. */
export function fromLocalInput(value: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi, s);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The browser's zone as an editor reads it: "Europe/Kyiv, UTC+02:00" (the offset of `ms`, summer time included). */
export function zoneLabel(ms: number): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const offset = -new Date(ms).getTimezoneOffset();
  const sign = offset < 0 ? "−" : "+";
  const abs = Math.abs(offset);
  return `${zone}, UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** What the picker allows: from the next minute to MAX_SCHEDULE_DAYS ahead. */
export function pickerBounds(nowMs: number): { min: string; max: string } {
  return { min: localInputValue(nowMs + 60_000), max: localInputValue(nowMs + MAX_SCHEDULE_MS - 60_000) };
}

/** A scheduled time as the queue shows it: weekday, date and time in the editor's zone. */
export function localTime(iso: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

/**
 * A countdown as the desk shows it, in the desk's language `locale`: "in 4 min 05 s", "in 2 h 03
 * min", "in 3 days 4 h". `coarse` (reduced motion) drops the seconds, so the text changes once a
 * minute, not every second.
 */
export function countdown(msLeft: number, coarse: boolean, locale: Locale): string {
  const options = { locale };
  if (msLeft <= 0) return m.desk_due_now({}, options);
  const totalSeconds = Math.ceil(msLeft / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (days > 0) return m.desk_in_days_hours({ count: days, hours }, options);
  if (hours > 0) return m.desk_in_hours_minutes({ hours, minutes: pad(minutes) }, options);
  if (coarse) return totalSeconds < 60 ? m.desk_in_under_a_minute({}, options) : m.desk_in_minutes({ minutes: Math.ceil(totalSeconds / 60) }, options);
  return minutes > 0 ? m.desk_in_minutes_seconds({ minutes, seconds: pad(seconds) }, options) : m.desk_in_seconds({ seconds }, options);
}
