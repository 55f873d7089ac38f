import type { EntryKind } from "../../../shared/story.js";
import { readStoredMedia, type DeskMedia } from "../media/media-list.js";

/**
 * Unsent composer text, kept per story in localStorage so a reload or a crash loses nothing. The
 * composition's Idempotency-Key is kept with it: a retry after an unanswered publish reuses it,
 * so the server answers with the first result instead of publishing twice. Photos are kept as the
 * server's ids with their alt text, caption and credit (the bytes are on the server already).
 */
export interface Composition {
  headline: string;
  body: string;
  kind: EntryKind;
  pinned: boolean;
  media: DeskMedia[];
  /** Idempotency-Key of this composition; renewed after it is sent successfully. */
  key: string;
}

type KeyValueStore = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export const composerStorageKey = (storyId: string) => `live-ticker:composer:${storyId}`;

const KINDS: readonly EntryKind[] = ["update", "breaking", "correction"];

export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

export function emptyComposition(key = newIdempotencyKey()): Composition {
  return { headline: "", body: "", kind: "update", pinned: false, media: [], key };
}

export function isBlank(composition: Pick<Composition, "headline" | "body" | "media">): boolean {
  return composition.headline.trim() === "" && composition.body.trim() === "" && composition.media.length === 0;
}

/** The saved composition of a story, or an empty one; anything unreadable counts as nothing saved. */
export function loadComposition(storage: KeyValueStore | undefined, storyId: string): Composition {
  try {
    const raw = storage?.getItem(composerStorageKey(storyId));
    if (!raw) return emptyComposition();
    const value = JSON.parse(raw) as Partial<Composition>;
    return {
      headline: typeof value.headline === "string" ? value.headline : "",
      body: typeof value.body === "string" ? value.body : "",
      kind: KINDS.includes(value.kind as EntryKind) ? (value.kind as EntryKind) : "update",
      pinned: value.pinned === true,
      media: readStoredMedia(value.media),
      key: typeof value.key === "string" && /^[\x21-\x7e]{1,255}$/.test(value.key) ? value.key : newIdempotencyKey(),
    };
  } catch {
    return emptyComposition();
  }
}

/** Saves unsent text; a blank composer leaves nothing behind. Storage full or blocked is not an error. */
export function saveComposition(storage: KeyValueStore | undefined, storyId: string, composition: Composition): void {
  try {
    if (isBlank(composition)) storage?.removeItem(composerStorageKey(storyId));
    else storage?.setItem(composerStorageKey(storyId), JSON.stringify(composition));
  } catch {
    // Private mode or a full quota: the text stays in the page, just not across a reload.
  }
}

export function clearComposition(storage: KeyValueStore | undefined, storyId: string): void {
  try {
    storage?.removeItem(composerStorageKey(storyId));
  } catch {
    // as above
  }
}

/** localStorage when the page may use it. */
export function browserStorage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}
