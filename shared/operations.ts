import type { MediaItem } from "./media.js";
import type { AnsweredQuestion } from "./questions.js";
import type { Author, EntryKind, StoryStatus } from "./story.js";

/** An entry as an operation adds it. */
export interface NewEntry {
  entryId: string;
  body: string;
  headline?: string;
  kind: EntryKind;
  pinned: boolean;
  /** Who wrote it, when not who publishes it (a contributor's draft published by an editor). */
  byline?: Author;
  /** Photos (already resolved to stored images by the server) and embeds, in display order. */
  media?: MediaItem[];
  /** The reader's question it answers, as the reader asked it (issue 36). */
  question?: AnsweredQuestion;
  /** When it was first written, if before the operation (an imported entry keeps its own time). */
  createdAt?: string;
}

/**
 * A change to a story, stamped by the server with who made it and when. Operations are what the
 * reducer consumes; the server builds them from validated request bodies.
 */
export type Operation =
  | { type: "create_story"; storyId: string; title: string; summary: string; language?: string }
  | { type: "update_story"; title?: string; summary?: string; status?: StoryStatus; language?: string }
  /**
   * `alert: false` keeps a breaking entry from being pushed to the story's subscribers (issue 33);
   * the flag is the publisher's choice at that moment, never part of the entry.
   */
  | ({ type: "add_entry"; alert?: boolean } & NewEntry)
  /**
   * Many entries in one version (a wire feed's or a migration's batch, `POST …/entries/batch`):
   * all are added or, if one cannot be, none.
   */
  | { type: "add_entries"; entries: NewEntry[] }
  | {
      type: "edit_entry";
      entryId: string;
      body?: string;
      headline?: string;
      kind?: EntryKind;
      pinned?: boolean;
      /** The entry's whole media list as it should be; `[]` removes every item. */
      media?: MediaItem[];
    }
  | { type: "remove_entry"; entryId: string }
  /** An admin's takedown (`DELETE /api/media/:id`): the photo leaves every entry that shows it, in one version. */
  | { type: "take_down_media"; mediaId: string }
  /** Creates or changes a key figure; `order` moves it (absent: a new one goes last, an old one stays). */
  | { type: "set_fact"; factId: string; label: string; value: string; source?: string; order?: number }
  | { type: "remove_fact"; factId: string };

export interface Stamp {
  at: string;
  author: Author;
}

export type StampedOperation = Operation & Stamp;
