import type { Draft } from "./accounts.js";
import type { MediaItem } from "./media.js";
import type { EntryKind } from "./story.js";

/** The fields an edit may change; an empty headline removes it, an empty media list every photo and embed. */
export interface DraftChanges {
  headline?: string;
  body?: string;
  kind?: EntryKind;
  pinned?: boolean;
  media?: MediaItem[];
}

/** The draft after `changes`, one revision on. Pure: both stores apply it inside their transaction. */
export function editedDraft(draft: Draft, changes: DraftChanges, at: string): Draft {
  const { headline: oldHeadline, media: oldMedia, ...rest } = draft;
  const { headline: newHeadline, media: newMedia, ...fields } = changes;
  const headline = newHeadline ?? oldHeadline;
  const media = newMedia ?? oldMedia;
  return { ...rest, ...fields, ...(headline ? { headline } : {}), ...(media?.length ? { media } : {}), updatedAt: at, revision: draft.revision + 1 };
}
