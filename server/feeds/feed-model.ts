import type { FeedWords } from "./feed-words.js";
import { plainFirstLine } from "../../shared/plain-text.js";
import type { Author, Entry, Snapshot } from "../../shared/story.js";
import type { RemovedEntry } from "../store/store.js";

/**
 * What both feed formats are built from: the latest snapshot, the log's removals, the public base
 * URL and how many entries a feed carries (FEED_ENTRIES).
 */
export interface FeedInput {
  snapshot: Snapshot;
  removed: readonly RemovedEntry[];
  /** The newest this many entries are in the feed: a long story's feed stays small (~50 KB at 50). */
  limit: number;
  /** Absolute base without a trailing slash, e.g. `https://live.example.org`. */
  publicUrl: string;
}

/** A removal as the feeds show it: no content of the removed entry is ever republished. */
export interface Tombstone {
  entryId: string;
  /** The entry's id in the feeds (the same URI it had while it was published). */
  ref: string;
  /** When it was first published, and when it was removed. */
  publishedAt: string;
  removedAt: string;
}

/** Shown where a feed needs a name and no entry has a byline yet. */
export const FALLBACK_AUTHOR = "live-ticker";
export const GENERATOR = "live-ticker";
const TITLE_CHARS = 100;

const base = (publicUrl: string) => publicUrl.replace(/\/+$/, "");
export const livePageUrl = (publicUrl: string, storyId: string) => `${base(publicUrl)}/stories/${storyId}`;
export const atomFeedUrl = (publicUrl: string, storyId: string) => `${livePageUrl(publicUrl, storyId)}/feed.atom`;
export const jsonFeedUrl = (publicUrl: string, storyId: string) => `${livePageUrl(publicUrl, storyId)}/feed.json`;

/**
 * An entry's permanent id in both feeds, which is also its anchor on the live page. Kept as it was
 * when items began to link to the update's own page (shared/update-pages.ts): a feed reader knows
 * its items, and the tombstones of removed ones, by this id.
 */
export const entryUri = (publicUrl: string, storyId: string, entryId: string) => `${livePageUrl(publicUrl, storyId)}#${entryId}`;

/** Feeds list every entry newest first by `createdAt` (pinning is a page affordance, not a feed one). */
export function entriesNewestFirst(snapshot: Snapshot): Entry[] {
  return Object.values(snapshot.entries).sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

/** What a feed lists: the newest `limit` entries. A reader polling it has the older ones from earlier polls. */
export function feedEntries({ snapshot, limit }: FeedInput): Entry[] {
  return entriesNewestFirst(snapshot).slice(0, limit);
}

/** The headline, or else the first words of the body. */
export function entryTitle(entry: Entry, words: FeedWords): string {
  return entry.headline?.trim() || plainFirstLine(entry.body, TITLE_CHARS) || words.untitled(entry.kind);
}

/** The feed's author: the byline of the newest entry, or the software's name. */
export function feedAuthor(snapshot: Snapshot): Author {
  const newest = entriesNewestFirst(snapshot)[0];
  return { name: newest?.author.name.trim() || FALLBACK_AUTHOR };
}

/** Kinds worth a category/tag: a plain update is the default and gets none. */
export const taggedKind = (entry: Entry): string | undefined => (entry.kind === "update" ? undefined : entry.kind);

/**
 * One tombstone per entry that was removed and is not in the story now, newest removal first.
 * An entry removed twice (re-added in between) keeps its latest removal. Only recent removals: at
 * most `limit`, and, once the feed is full, only those made since its oldest entry was published
 * (a reader that last polled before then has missed entries anyway, and refetches what it shows).
 */
export function tombstones(input: FeedInput): Tombstone[] {
  const { snapshot, removed, publicUrl, limit } = input;
  const kept = feedEntries(input);
  const since = kept.length === limit ? kept.at(-1)?.createdAt : undefined;
  const seen = new Set<string>();
  const result: Tombstone[] = [];
  for (const removal of [...removed].sort((a, b) => b.version - a.version)) {
    if (result.length >= limit || (since !== undefined && removal.at < since)) break;
    if (seen.has(removal.entryId) || snapshot.entries[removal.entryId]) continue;
    seen.add(removal.entryId);
    result.push({
      entryId: removal.entryId,
      ref: entryUri(publicUrl, snapshot.id, removal.entryId),
      publishedAt: removal.publishedAt,
      removedAt: removal.at,
    });
  }
  return result;
}
