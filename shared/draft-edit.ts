import type { Draft } from "./accounts.js";
import type { EntryKind } from "./story.js";

/** The fields an edit may change; an empty headline removes it. */
export interface DraftChanges {
  headline?: string;
  body?: string;
  kind?: EntryKind;
  pinned?: boolean;
}

/** The draft after `changes`, one revision on. Pure: both stores apply it inside their transaction. */
export function editedDraft(draft: Draft, changes: DraftChanges, at: string): Draft {
  const { headline: oldHeadline, ...rest } = draft;
  const { headline: newHeadline, ...fields } = changes;
  const headline = newHeadline ?? oldHeadline;
  return { ...rest, ...fields, ...(headline ? { headline } : {}), updatedAt: at, revision: draft.revision + 1 };
}
