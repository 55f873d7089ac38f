import type { Logger } from "pino";
import { z } from "zod";
import { EMBED_METADATA_LIMITS, type EmbedItem, type EmbedThumbnail } from "../../shared/media.js";
import { Lru } from "../../shared/lru.js";
import type { DecodePool } from "../media/decode-pool.js";
import { Gate } from "../media/gate.js";
import { decodableTypeOf } from "../media/image-type.js";
import { mediaIdOf } from "../media/media-id.js";
import type { MediaStore } from "../store/media-store.js";
import { FetchRefused, guardedGet, withSignal } from "./guarded-fetch.js";
import { oembedRequest, type OembedEndpoint } from "./oembed-providers.js";

/** What the platform says of an embed, as the entry keeps it (DESIGN.md §1). */
export type EmbedDescription = Pick<EmbedItem, "title" | "author" | "thumbnail">;

/** An oEmbed answer is a few KB; a thumbnail a few hundred. */
const OEMBED_MAX_BYTES = 64 * 1024;
const THUMBNAIL_MAX_BYTES = 4 * 1024 * 1024;
/** Each request's time; a slow platform costs the write at most this twice (oEmbed, then thumbnail). */
const FETCH_TIMEOUT_MS = 2500;
/** Fetches in flight from the whole server; past it an embed is saved without its description. */
const MAX_FETCHES = 8;
/** Descriptions remembered by URL, so an entry edited again asks nobody. */
const REMEMBERED = 1000;
const REMEMBERED_FOR_MS = 60 * 60 * 1000;
/** The width asked for: the reader's column. */
const MAX_WIDTH = 960;
/** Who stored the thumbnails, for the media records (uploads are by account id). */
export const THUMBNAIL_UPLOADER = "oembed";

/** The fields of an oEmbed 1.0 answer that are used; anything else in it is ignored. */
const OembedAnswer = z.object({
  title: z.string().optional(),
  author_name: z.string().optional(),
  thumbnail_url: z.string().optional(),
});

export interface EmbedMetadataOptions {
  endpoints: readonly OembedEndpoint[];
  /** EMBED_FETCH_ALLOW. */
  allow: ReadonlySet<string>;
  media: MediaStore;
  pool: DecodePool;
  log: Logger;
}

/**
 * Describes embeds at write time (issue 34): asks the platform's oEmbed endpoint for the title, the
 * author and a thumbnail, and stores the thumbnail as one of our own photos (stripped and re-encoded
 * by the upload pipeline), so a reader's browser asks nothing of the platform before consent. Every
 * failure (no endpoint, a refused or slow fetch, a bad answer, a busy server) gives no description:
 * the embed is saved as the plain card it was before, and the write goes on.
 */
export class EmbedMetadata {
  readonly #known = new Lru<string, { description: EmbedDescription; at: number }>(REMEMBERED);
  /** One thumbnail decoded at a time: the uploads' admission keeps its own DECODE_CHILDREN. */
  readonly #decoding = new Gate(1);
  #fetches = 0;

  constructor(private readonly options: EmbedMetadataOptions) {}

  /** The description of `item`, or {} when there is none to be had within `signal`'s time. */
  async describe(item: EmbedItem, signal: AbortSignal): Promise<EmbedDescription> {
    const known = this.#known.get(item.url);
    if (known && Date.now() - known.at < REMEMBERED_FOR_MS) return known.description;
    const request = oembedRequest(this.options.endpoints, item, MAX_WIDTH);
    if (!request) return {};
    try {
      const answer = OembedAnswer.safeParse(JSON.parse((await this.#get(request, OEMBED_MAX_BYTES, "application/json", signal)).toString("utf8")));
      if (!answer.success) throw new FetchRefused(`${request.origin}: not an oEmbed answer`);
      const { title, author_name: author, thumbnail_url: thumbnailUrl } = answer.data;
      const thumbnail = thumbnailUrl && URL.canParse(thumbnailUrl) ? await this.#thumbnail(new URL(thumbnailUrl), signal) : undefined;
      const description: EmbedDescription = {
        ...(title && shown(title, EMBED_METADATA_LIMITS.title) ? { title: shown(title, EMBED_METADATA_LIMITS.title) } : {}),
        ...(author && shown(author, EMBED_METADATA_LIMITS.author) ? { author: shown(author, EMBED_METADATA_LIMITS.author) } : {}),
        ...(thumbnail ? { thumbnail } : {}),
      };
      this.#known.set(item.url, { description, at: Date.now() });
      return description;
    } catch (error) {
      this.options.log.info({ url: item.url, reason: error instanceof Error ? error.message : String(error) }, "embed saved without its description");
      return {};
    }
  }

  /** The thumbnail stored as a photo of ours, or undefined when it cannot be had (logged, not thrown: the title still counts). */
  async #thumbnail(url: URL, signal: AbortSignal): Promise<EmbedThumbnail | undefined> {
    try {
      const bytes = await this.#get(url, THUMBNAIL_MAX_BYTES, "image/avif,image/webp,image/jpeg,image/png,image/gif", signal);
      decodableTypeOf(bytes);
      const { media, pool } = this.options;
      const id = mediaIdOf(bytes);
      const record = await media.record(id);
      if (record?.removedAt) return undefined;
      // The write waits for the decoding no longer than its budget; a thumbnail stored after that is
      // unused, and collected as any unpublished upload is.
      const stored =
        record ??
        (await withSignal(
          this.#decoding.run(async () => {
            if (signal.aborted) throw new FetchRefused("took too long");
            const { image, variants } = await pool.process(bytes);
            return media.putImage(image, variants, new Date().toISOString(), THUMBNAIL_UPLOADER);
          }),
          signal,
        ));
      return { id: stored.id, width: stored.width, height: stored.height };
    } catch (error) {
      this.options.log.info({ url: url.href, reason: error instanceof Error ? error.message : String(error) }, "embed thumbnail not stored");
      return undefined;
    }
  }

  async #get(url: URL, maxBytes: number, accept: string, signal: AbortSignal): Promise<Buffer> {
    if (this.#fetches >= MAX_FETCHES) throw new FetchRefused("too many embed fetches at once");
    this.#fetches++;
    try {
      const rules = { allow: this.options.allow, maxBytes, accept, signal: AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]) };
      return (await guardedGet(url, rules)).body;
    } finally {
      this.#fetches--;
    }
  }
}

/** A platform's text as a reader may see it: one line, no control characters, well-formed, at most `max` UTF-16 units. */
function shown(text: string, max: number): string {
  const line = text.replace(/\p{Cs}/gu, "\uFFFD").replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]+/g, " ").trim();
  if (line.length <= max) return line;
  const characters = Array.from(line.slice(0, max + 1));
  while (characters.join("").length > max) characters.pop();
  return characters.join("").trim();
}
