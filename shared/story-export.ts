import { z } from "zod";
import { MEDIA_FORMATS, MEDIA_WIDTHS } from "./media-constants.js";
import { MediaId } from "./media.js";
import { Author, IsoTime, StoryId } from "./story.js";

/**
 * A story moved between installations with its history (`npm run story -- export|import`): every
 * version as the RFC 6902 patch from the one before (version 1's patch adds the whole first
 * snapshot), with when and by whom it was written, and the photos any version shows, with their
 * encoded variants. Any JSON Patch library rebuilds every version from it.
 */
export const STORY_EXPORT_FORMAT = "live-ticker-story";
export const STORY_EXPORT_FORMAT_VERSION = 1;

const PatchOperation = z.looseObject({
  op: z.enum(["add", "remove", "replace", "move", "copy", "test"]),
  path: z.string().max(1000),
});

export const ExportedVersion = z.strictObject({
  version: z.number().int().positive(),
  at: IsoTime,
  author: Author,
  /** The version's history line as it was written (it tells a photo's takedown from an edit). */
  summary: z.string().max(10_000).optional(),
  ops: z.array(PatchOperation).max(100_000),
});

export const ExportedPhoto = z.strictObject({
  id: MediaId,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  placeholder: z.string().regex(/^#[0-9a-f]{6}$/),
  createdAt: IsoTime,
  /** Set when the photo was taken down: its variants are gone and its URLs answer 410. */
  removedAt: IsoTime.optional(),
  variants: z
    .array(
      z.strictObject({
        name: z.union(MEDIA_WIDTHS.map((width) => z.literal(width))),
        format: z.enum(MEDIA_FORMATS),
        /** The encoded image, base64. */
        bytes: z.base64(),
      }),
    )
    .max(MEDIA_WIDTHS.length * MEDIA_FORMATS.length),
});

export const StoryExport = z.strictObject({
  format: z.literal(STORY_EXPORT_FORMAT),
  formatVersion: z.literal(STORY_EXPORT_FORMAT_VERSION),
  exportedAt: IsoTime,
  storyId: StoryId,
  versions: z.array(ExportedVersion).min(1),
  photos: z.array(ExportedPhoto),
});

export type ExportedVersion = z.infer<typeof ExportedVersion>;
export type ExportedPhoto = z.infer<typeof ExportedPhoto>;
export type StoryExport = z.infer<typeof StoryExport>;
