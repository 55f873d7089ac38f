import { feedWords } from "./feed-words.js";
import { summaryWithFigures } from "../../shared/facts.js";
import { updateUrl } from "../../shared/update-pages.js";
import { imagesOf, imageUrl, mediaHtml } from "../media/media-links.js";
import {
  feedEntries,
  entryTitle,
  entryUri,
  feedAuthor,
  jsonFeedUrl,
  livePageUrl,
  taggedKind,
  tombstones,
  type FeedInput,
} from "./feed-model.js";

export const JSON_FEED_CONTENT_TYPE = "application/feed+json; charset=utf-8";
export const JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1";

export interface JsonFeedAuthor {
  name: string;
}

export interface JsonFeedItem {
  id: string;
  url: string;
  title: string;
  content_html: string;
  date_published: string;
  date_modified: string;
  authors?: JsonFeedAuthor[];
  tags?: string[];
  /** The entry's first photo. */
  image?: string;
  /** Every photo of the entry (its 960 px JPEG). */
  attachments?: JsonFeedAttachment[];
  /** Our extension (JSON Feed allows `_`-prefixed keys): present on removed entries only. */
  _live_ticker?: { deleted: true; deleted_at: string };
}

export interface JsonFeedAttachment {
  url: string;
  mime_type: string;
  /** The photo's alt text. */
  title: string;
}

export interface JsonFeed {
  version: string;
  title: string;
  home_page_url: string;
  feed_url: string;
  /** JSON Feed 1.1: the feed's language (RFC 5646), the story's. */
  language: string;
  description?: string;
  authors: JsonFeedAuthor[];
  /** Our extension: the story's version and whether coverage is live or ended. */
  _live_ticker: { version: number; status: string };
  items: JsonFeedItem[];
}

/**
 * The story as a JSON Feed 1.1: its newest entries (FeedInput.limit) newest first by `createdAt`,
 * with their sanitized HTML.
 *
 * Removed entries: JSON Feed has no tombstones, so a removed entry stays an item under its old `id`
 * (and in its old place), with its content replaced by a removal notice, `date_modified` set to the
 * removal, and the extension `_live_ticker: {deleted: true, deleted_at}`. Readers that key items by
 * id then replace what they showed with the notice, which is what a retraction should do; nothing
 * of the removed entry (headline, body, byline) is republished.
 */
export function jsonFeed(input: FeedInput): JsonFeed {
  const { snapshot: story, publicUrl } = input;
  const page = livePageUrl(publicUrl, story.id);
  const words = feedWords(story.language);
  const live: JsonFeedItem[] = feedEntries(input).map((entry) => {
    const kind = taggedKind(entry);
    const uri = entryUri(publicUrl, story.id, entry.id);
    const attachments = imagesOf(entry).map((image) => ({ url: imageUrl(publicUrl, image), mime_type: "image/jpeg", title: image.alt }));
    return {
      id: uri,
      url: updateUrl(publicUrl, story.id, entry.id),
      title: entryTitle(entry, words),
      content_html: entry.html + mediaHtml(entry, publicUrl),
      date_published: entry.createdAt,
      date_modified: entry.updatedAt,
      authors: [{ name: entry.author.name }],
      ...(kind ? { tags: [kind] } : {}),
      ...(attachments.length ? { image: attachments[0]!.url, attachments } : {}),
    };
  });
  const removed: JsonFeedItem[] = tombstones(input).map((tombstone) => ({
    id: tombstone.ref,
    url: updateUrl(publicUrl, story.id, tombstone.entryId), // its page says when it was removed (410)
    title: words.removedTitle,
    content_html: words.removedHtml,
    date_published: tombstone.publishedAt,
    date_modified: tombstone.removedAt,
    _live_ticker: { deleted: true, deleted_at: tombstone.removedAt },
  }));
  const items = [...live, ...removed].sort(
    (a, b) => b.date_published.localeCompare(a.date_published) || a.id.localeCompare(b.id),
  );
  return {
    version: JSON_FEED_VERSION,
    title: story.title,
    home_page_url: page,
    feed_url: jsonFeedUrl(publicUrl, story.id),
    language: story.language,
    ...(story.summary || story.facts ? { description: summaryWithFigures(story.summary, story.facts, words.keyFigures) } : {}),
    authors: [feedAuthor(story)],
    _live_ticker: { version: story.version, status: story.status },
    items,
  };
}
