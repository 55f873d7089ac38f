import type { MediaFormat, MediaWidth } from "../../shared/media.js";

/** An uploaded image as entries name it: its id, its size after orientation, and its placeholder. */
export interface StoredImage {
  id: string;
  width: number;
  height: number;
  /** Dominant colour, `#rrggbb`. */
  placeholder: string;
}

/** One encoded variant of an image (`GET /media/:id/:width.:format`). */
export interface ImageVariant {
  name: MediaWidth;
  format: MediaFormat;
  bytes: Buffer;
}

/** What the store knows of an upload beyond what entries show: who, when, how big, and whether it was taken down. */
export interface MediaRecord extends StoredImage {
  /**
   * Who uploaded it: the account's id, or `admin-token` for the admin token (its own uploader).
   * Undefined for images stored before uploaders were recorded.
   */
  uploader?: string;
  createdAt: string;
  /** The bytes of its stored variants: what it costs the store, and what the total quota counts. */
  bytes: number;
  /** When an admin took it down (`DELETE /api/media/:id`): its variants are gone, its id is remembered. */
  removedAt?: string;
}

/** An uploader's use of the store, for the upload quotas. */
export interface UploadUsage {
  /** Images the uploader stored since the time asked about, taken-down ones included. */
  recent: number;
  /** When the oldest of those was stored: the rolling window frees a place once it is a day old. */
  oldestRecent?: string;
  /** The variant bytes of every image of the uploader still stored. */
  storedBytes: number;
}

/**
 * Photos live in the store with the stories, so every node serves every image and a backup of the
 * store is a backup of the photos. An image is immutable: its id is a hash of the uploaded bytes,
 * and storing the same id again keeps the first.
 */
export interface MediaStore {
  /**
   * Stores the image with all its variants in one transaction, unless an image with its id is
   * already stored (the same upload again, perhaps concurrently on another node). Returns the
   * image as stored. `uploader` is recorded with it (see MediaRecord).
   */
  putImage(image: StoredImage, variants: readonly ImageVariant[], at: string, uploader?: string): Promise<StoredImage>;
  /** A stored image entries may show; undefined for an unknown or taken-down one. */
  image(id: string): Promise<StoredImage | undefined>;
  /** Everything known of an upload, taken-down ones included. */
  record(id: string): Promise<MediaRecord | undefined>;
  /** The bytes of one variant, or undefined if there is no such image or variant. */
  variant(id: string, name: number, format: string): Promise<Buffer | undefined>;
  /** What `uploader` has stored, and how much of it since `since` (ISO). */
  usage(uploader: string, since: string): Promise<UploadUsage>;
  /**
   * Takes an image down: its variants are deleted and its record kept, marked removed at `at` (the
   * first takedown's time stays). Undefined for an unknown image.
   */
  takeDown(id: string, at: string): Promise<MediaRecord | undefined>;
  /** The stories whose latest entries show the image (found by its id in their stored text). */
  storiesShowing(id: string): Promise<string[]>;
  /**
   * Deletes, with their variants, at most `limit` images stored before `before` (ISO) that were
   * never published (no commit ever put them in an entry, so no version shows them) and that no
   * open draft or waiting (or failed) scheduled entry shows, and returns their ids. Taken-down
   * images stay (their ids answer 410). Safe to run on several nodes at once.
   */
  collectUnreferenced(before: string, limit: number): Promise<string[]>;
}
