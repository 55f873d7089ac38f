import type { MediaItem } from "./media.js";
import type { Author, EntryKind } from "./story.js";

/**
 * Scheduled updates (issue 19): an entry written now and published by the server at `publishAt`.
 * Pure rules shared by server and desk; no zod here, so the desk's bundle may import it.
 */

/** How far ahead an entry may be scheduled. */
export const MAX_SCHEDULE_DAYS = 30;
export const MAX_SCHEDULE_MS = MAX_SCHEDULE_DAYS * 24 * 60 * 60 * 1000;

/** An entry waiting for its time, as editors see it (`GET /api/stories/:id/scheduled`). Never shown to readers. */
export interface ScheduledEntry {
  id: string;
  storyId: string;
  /** The id the entry will have once published (known ahead, so a published draft can name it). */
  entryId: string;
  /** When it is published: an ISO time in UTC (`toISOString`). */
  publishAt: string;
  /** 1 when scheduled, +1 on every change; sent back as `If-Match`. */
  revision: number;
  createdAt: string;
  updatedAt: string;
  /** Who scheduled it: the entry's author once published (unless it carries a byline). */
  createdBy: Author;
  /** The writer of the draft it came from, shown as the entry's author. */
  byline?: Author;
  /** The draft it came from, if any. */
  draftId?: string;
  headline?: string;
  body: string;
  kind: EntryKind;
  pinned: boolean;
  media?: MediaItem[];
  /** `false`: published without a breaking-news alert (the entry's `alert`, issue 33). */
  alert?: boolean;
  /** Set when the server could not publish it (e.g. the story was full); it waits until edited or cancelled. */
  failed?: { code: string; message: string; at: string };
  /** Set once published: it is then no longer listed. */
  published?: { version: number; at: string };
}

/** `Z` or an offset is required: a time without its zone means different moments on different machines. */
const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

export type PublishAtJudgement = { ok: true; publishAt: string } | { ok: false; message: string };

/**
 * Whether `value` may be a `publishAt` at `nowMs`: an ISO 8601 time with its zone, after now and
 * at most MAX_SCHEDULE_DAYS ahead. Gives it back normalised to UTC with milliseconds, so that
 * stored times compare as strings in both stores.
 */
export function judgePublishAt(value: unknown, nowMs: number): PublishAtJudgement {
  if (typeof value !== "string") return { ok: false, message: "publishAt must be an ISO 8601 time, e.g. 2026-05-24T14:30:00+03:00." };
  const parts = ISO_WITH_ZONE.exec(value);
  const ms = Date.parse(value);
  // Date.parse rolls 2026-02-31 over to March: a real calendar date round-trips its day.
  const sane =
    parts !== null && Number.isFinite(ms) && Number(parts[2]) >= 1 && Number(parts[2]) <= 12 && Number(parts[3]) >= 1 && Number(parts[3]) <= daysIn(Number(parts[1]), Number(parts[2])) &&
    Number(parts[4]) <= 23 && Number(parts[5]) <= 59 && Number(parts[6] ?? 0) <= 59 && Number(parts[7] ?? 0) <= 23 && Number(parts[8] ?? 0) <= 59;
  if (!sane) return { ok: false, message: "publishAt must be an ISO 8601 time with its zone, e.g. 2026-05-24T14:30:00+03:00 or …Z." };
  if (ms <= nowMs) return { ok: false, message: "publishAt must be in the future." };
  if (ms - nowMs > MAX_SCHEDULE_MS) return { ok: false, message: `publishAt must be at most ${MAX_SCHEDULE_DAYS} days ahead.` };
  return { ok: true, publishAt: new Date(ms).toISOString() };
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * How long the publisher sleeps before looking again: until the next known due time, but never
 * longer than `pollMs`, because another node may schedule something sooner (the store is the
 * truth; the timer only wakes the poller).
 */
export function nextPollDelay(nextDue: string | undefined, nowMs: number, pollMs: number): number {
  if (nextDue === undefined) return pollMs;
  return Math.min(pollMs, Math.max(0, Date.parse(nextDue) - nowMs));
}
