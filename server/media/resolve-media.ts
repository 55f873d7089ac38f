import type { MediaInput } from "../../shared/api.js";
import type { MediaItem } from "../../shared/media.js";
import { DomainError } from "../../shared/error-codes.js";
import type { MediaStore } from "../store/media-store.js";

/**
 * An entry's media as a writer sent it, made into what the snapshot holds: each photo gets the
 * stored image's width, height and placeholder (so pages reserve its space before it loads), and
 * an id that names no stored image is a 400 naming the item. Done before the reducer runs, which
 * stays pure. Embeds were made canonical when the body was parsed (shared/api.ts).
 */
export async function resolveMedia(media: MediaStore, inputs: MediaInput | undefined, path = "media"): Promise<MediaItem[] | undefined> {
  if (inputs === undefined) return undefined;
  const resolved: MediaItem[] = [];
  for (const [index, input] of inputs.entries()) {
    if (input.type === "embed") {
      resolved.push(input);
      continue;
    }
    const stored = await media.image(input.id);
    if (!stored) {
      const message = `names no uploaded image (${input.id}); upload the photo again`;
      throw new DomainError("unknown_media", `Photo ${index + 1} ${message}.`, { issues: [{ path: `${path}.${index}.id`, message }] });
    }
    resolved.push({
      type: "image",
      id: input.id,
      alt: input.alt,
      ...(input.caption ? { caption: input.caption } : {}),
      ...(input.credit ? { credit: input.credit } : {}),
      width: stored.width,
      height: stored.height,
      placeholder: stored.placeholder,
    });
  }
  return resolved;
}
