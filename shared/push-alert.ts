import { entryLabel } from "./entry-label.js";
import { textDirection } from "./language.js";
import type { Snapshot } from "./story.js";
import { updatePath } from "./update-pages.js";

/**
 * What a breaking-news alert carries to the reader's service worker (DESIGN.md §3): the story, the
 * entry and its page, and the words of the notification in the story's language and direction.
 * Kept small: a push message carries at most 4 KB, and every byte is encrypted once per reader.
 */
export interface PushAlertPayload {
  storyId: string;
  entryId: string;
  /** The notification's title: the story's title. */
  title: string;
  /** Its text: the update's headline, or else the first line of its body. */
  body: string;
  /** Path of the update's own page, opened by a click. */
  url: string;
  lang: string;
  dir: "ltr" | "rtl";
  /** A newer alert of the story replaces an older one still shown (the notification's `tag`). */
  tag: string;
}

/** The notification tag of a story's alerts: one per story, so the newest replaces the rest. */
export const alertTag = (storyId: string): string => `story-${storyId}`;

/** The alert of `entryId` as the story's latest snapshot shows it; undefined once the entry is removed. */
export function alertPayload(snapshot: Snapshot, entryId: string): PushAlertPayload | undefined {
  const entry = snapshot.entries[entryId];
  if (!entry) return undefined;
  const lang = snapshot.language ?? "en";
  return {
    storyId: snapshot.id,
    entryId,
    title: snapshot.title,
    body: entryLabel(entry),
    url: updatePath(snapshot.id, entryId),
    lang,
    dir: textDirection(lang),
    tag: alertTag(snapshot.id),
  };
}
