import { feedWords, type FeedWords } from "./feed-words.js";
import { summaryWithFigures } from "../../shared/facts.js";
import type { Entry } from "../../shared/story.js";
import { updateUrl } from "../../shared/update-pages.js";
import { mediaHtml } from "../media/media-links.js";
import {
  GENERATOR,
  atomFeedUrl,
  feedEntries,
  entryTitle,
  entryUri,
  feedAuthor,
  livePageUrl,
  taggedKind,
  tombstones,
  type FeedInput,
} from "./feed-model.js";

export const ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8";
export const ATOM_NS = "http://www.w3.org/2005/Atom";
/** RFC 6721, The Atom "deleted-entry" Element. */
export const TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0";

// XML 1.0 allows no C0 controls but tab, LF and CR, no lone surrogates, no U+FFFE/U+FFFF: dropped.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for XML character data and double-quoted attribute values. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML_CHAR, "").replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}
const XML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

const element = (name: string, text: string, indent = "  ") => `${indent}<${name}>${escapeXml(text)}</${name}>`;
const attrs = (values: Record<string, string>) =>
  Object.entries(values)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join("");

/**
 * The story as an Atom 1.0 feed (RFC 4287): its newest entries (FeedInput.limit) newest first, its sanitized HTML as
 * `content type="html"`, `updated` moved by text edits; entries removed from the story as RFC 6721
 * `at:deleted-entry` tombstones that name the removed entry's id and carry none of its content.
 */
export function atomFeed(input: FeedInput): string {
  const { snapshot: story, publicUrl } = input;
  const page = livePageUrl(publicUrl, story.id);
  const words = feedWords(story.language);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    // xml:lang on the feed: every title and content inside is in the story's language (RFC 4287 §2).
    `<feed${attrs({ xmlns: ATOM_NS, "xmlns:at": TOMBSTONES_NS, "xml:lang": story.language })}>`,
    element("id", page),
    element("title", story.title),
    // The key figures ride in the subtitle: a figure change is no item of its own, but moves `updated`.
    ...(story.summary || story.facts ? [element("subtitle", summaryWithFigures(story.summary, story.facts, words.keyFigures))] : []),
    element("updated", story.updatedAt),
    `  <link${attrs({ rel: "alternate", type: "text/html", href: page })}/>`,
    `  <link${attrs({ rel: "self", type: "application/atom+xml", href: atomFeedUrl(publicUrl, story.id) })}/>`,
    `  <author>${element("name", feedAuthor(story).name, "")}</author>`,
    element("generator", GENERATOR),
    ...feedEntries(input).map((entry) => atomEntry(entry, entryUri(publicUrl, story.id, entry.id), updateUrl(publicUrl, story.id, entry.id), publicUrl, words)),
    ...tombstones(input).map(
      (tombstone) =>
        `  <at:deleted-entry${attrs({ ref: tombstone.ref, when: tombstone.removedAt })}>` +
        `<at:comment>${escapeXml(words.removedComment)}</at:comment></at:deleted-entry>`,
    ),
    "</feed>",
    "",
  ];
  return lines.join("\n");
}

/** `uri` is the entry's permanent id (feed readers know it by that); `page`, the update's own page, is where it links. */
function atomEntry(entry: Entry, uri: string, page: string, publicUrl: string, words: FeedWords): string {
  const kind = taggedKind(entry);
  return [
    "  <entry>",
    element("id", uri, "    "),
    element("title", entryTitle(entry, words), "    "),
    element("updated", entry.updatedAt, "    "),
    element("published", entry.createdAt, "    "),
    `    <author>${element("name", entry.author.name, "")}</author>`,
    `    <link${attrs({ rel: "alternate", type: "text/html", href: page })}/>`,
    ...(kind ? [`    <category${attrs({ term: kind })}/>`] : []),
    `    <content type="html">${escapeXml(entry.html + mediaHtml(entry, publicUrl))}</content>`,
    "  </entry>",
  ].join("\n");
}
