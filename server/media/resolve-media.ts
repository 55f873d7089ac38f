import type { MediaInput } from "../../shared/api.js";
import type { MediaItem } from "../../shared/media.js";
import { DomainError } from "../../shared/error-codes.js";
import type { EmbedMetadata } from "../embeds/embed-metadata.js";
import type { MediaStore } from "../store/media-store.js";

/**
 * The most time describing the embeds of one request may take (all of a batch's together): past it
 * the rest are saved as plain cards. Each fetch has its own, shorter limit (server/embeds/).
 */
export const EMBED_DESCRIBE_BUDGET_MS = 6000;

/**
 * An entry's media as a writer sent it, made into what the snapshot holds: each photo gets the
 * stored image's width, height and placeholder (so pages reserve its space before it loads), and
 * an id that names no stored image is a 400 naming the item; each embed gets what its platform
 * says of it (title, author, thumbnail), when `embeds` is given (EMBED_METADATA on) and the
 * platform answers in time. Done before the reducer runs, which stays pure. Embeds were made
 * canonical when the body was parsed (shared/api.ts).
 */
export class MediaResolver {
  constructor(
    private readonly media: MediaStore,
    private readonly embeds: EmbedMetadata | undefined,
  ) {}

  /** `budget`: the request's time for describing embeds, when one request resolves several lists (a batch). */
  async resolve(inputs: MediaInput | undefined, path = "media", budget = AbortSignal.timeout(EMBED_DESCRIBE_BUDGET_MS)): Promise<MediaItem[] | undefined> {
    if (inputs === undefined) return undefined;
    const resolved: MediaItem[] = [];
    for (const [index, input] of inputs.entries()) {
      if (input.type === "embed") {
        const description = this.embeds && !budget.aborted ? await this.embeds.describe(input, budget) : {};
        resolved.push({ ...input, ...description });
        continue;
      }
      const stored = await this.media.image(input.id);
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
}
