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

/**
 * Photos live in the store with the stories, so every node serves every image and a backup of the
 * store is a backup of the photos. An image is immutable: its id is a hash of the uploaded bytes,
 * and storing the same id again keeps the first.
 */
export interface MediaStore {
  /**
   * Stores the image with all its variants in one transaction, unless an image with its id is
   * already stored (the same upload again, perhaps concurrently on another node). Returns the
   * image as stored.
   */
  putImage(image: StoredImage, variants: readonly ImageVariant[], at: string): Promise<StoredImage>;
  image(id: string): Promise<StoredImage | undefined>;
  /** The bytes of one variant, or undefined if there is no such image or variant. */
  variant(id: string, name: number, format: string): Promise<Buffer | undefined>;
}
