import { Router, type Request } from "express";
import type { UploadedMedia } from "../../shared/api.js";
import { MAX_MEDIA_PER_ENTRY, MEDIA_FORMATS, MEDIA_ID_PATTERN, MEDIA_WIDTHS, type MediaFormat } from "../../shared/media.js";
import { Lru } from "../../shared/lru.js";
import { principalOf, requireRole } from "../http/auth.js";
import { DomainError, type ErrorCode } from "../../shared/error-codes.js";
import { publicRead } from "../http/public-reads.js";
import type { Store } from "../store/store.js";
import { DECODE_CHILDREN, TimeRefusal, type DecodePool } from "./decode-pool.js";
import { decodableTypeOf } from "./image-type.js";
import { mediaIdOf } from "./media-id.js";
import { UploadAdmission } from "./upload-admission.js";
import { readUpload } from "./upload-body.js";
import { checkUploadQuota, uploaderOf, type UploadQuota } from "./upload-quota.js";

/** Variant bytes kept in memory: the images of the stories being read now. */
const VARIANT_CACHE_BYTES = 64 * 1024 * 1024;
/**
 * How long a variant in memory is served without asking the store whether its image still stands:
 * the longest another node serves a photo an admin took down elsewhere (this node forgets it at once).
 */
export const VARIANT_RECHECK_MS = 30_000;

const removed = () => new DomainError("media_removed", "This photo was taken down by an admin.");

/** Refused uploads remembered by content hash, so the same bad file sent again is refused at once. */
const REFUSED_KEPT = 1000;
const REFUSED_FOR_MS = 10 * 60 * 1000;
/** What the image itself earns, whoever sends it and however busy the server: damaged, too large in pixels or memory. */
const EARNED_BY_THE_IMAGE = new Set<ErrorCode>(["invalid_image", "image_too_large"]);

const IMMUTABLE = "public, max-age=31536000, immutable";
const CONTENT_TYPE: Record<MediaFormat, string> = { avif: "image/avif", webp: "image/webp", jpeg: "image/jpeg" };

export interface UploadLimits {
  /** MAX_UPLOAD_BYTES. */
  bytes: number;
  /** UPLOAD_QUEUE_LENGTH: uploads waiting for a decode child, all accounts together. */
  queueLength: number;
}

/**
 * `POST /api/media` (under /api, after authentication): the image's bytes as the request body,
 * from any writer, contributors included (their drafts carry photos too). `pool` does the
 * decoding, in child processes; the app closes it.
 */
export function mediaUploadRoutes(store: Store, limits: UploadLimits, pool: DecodePool, quota: UploadQuota): Router {
  const router = Router();
  const admission = new UploadAdmission({ concurrency: DECODE_CHILDREN, queueLength: limits.queueLength, perAccount: MAX_MEDIA_PER_ENTRY });
  const refused = new Lru<string, { error: DomainError; until: number }>(REFUSED_KEPT);

  router.post("/media", requireRole("contributor", "editor", "admin"), async (req, res) => {
    // Admission, quotas and the record all count by uploader: an account with its tokens, or the admin token.
    const uploader = uploaderOf(principalOf(res)!);
    try {
      admission.check(uploader);
    } catch (error) {
      // Refused before reading: the rest of the body is not read, so the connection cannot be reused.
      res.setHeader("Connection", "close");
      throw error;
    }
    const bytes = await readUpload(req, res, limits.bytes);
    const id = mediaIdOf(bytes);
    const refuseAgain = () => {
      const known = refused.get(id);
      if (known && known.until > Date.now()) throw known.error;
    };
    refuseAgain();
    decodableTypeOf(bytes);
    // The same bytes again are the image already stored: nothing is decoded twice, nor counted.
    const record = await store.media.record(id);
    if (record?.removedAt) throw removed();
    if (!record) await checkUploadQuota(store.media, uploader, quota);
    const stored =
      record ??
      (await admission.run(uploader, async () => {
        // The same bytes may have been refused while these waited in line.
        refuseAgain();
        try {
          const { image, variants } = await pool.process(bytes);
          return await store.media.putImage(image, variants, new Date().toISOString(), uploader);
        } catch (error) {
          // What the image itself earned (not a full queue, a store error or a busy server's timeout) stands for the same bytes again.
          if (error instanceof DomainError && !(error instanceof TimeRefusal) && EARNED_BY_THE_IMAGE.has(error.code)) refused.set(id, { error, until: Date.now() + REFUSED_FOR_MS });
          throw error;
        }
      }));
    const body: UploadedMedia = { id: stored.id, width: stored.width, height: stored.height, placeholder: stored.placeholder };
    res.status(201).json(body);
  });

  return router;
}

/**
 * The variants this node keeps in memory. Each was read from the store at `checkedAt`; one older
 * than VARIANT_RECHECK_MS is served only once the store says its image still stands, so a photo
 * taken down (or collected) on another node stops being served here within that time.
 */
export class VariantCache {
  readonly #lru = new Lru<string, { bytes: Buffer; checkedAt: number }>(VARIANT_CACHE_BYTES, (v) => v.bytes.byteLength);

  constructor(private readonly store: Store) {}

  /** Bytes held (`live_ticker_cache_bytes{cache="media-variants"}`). */
  get bytes(): number {
    return this.#lru.weight;
  }

  async get(id: string, name: number, format: MediaFormat, now = Date.now()): Promise<Buffer | undefined> {
    const key = `${id}/${name}.${format}`;
    const cached = this.#lru.get(key);
    if (cached && now - cached.checkedAt < VARIANT_RECHECK_MS) return cached.bytes;
    if (cached && (await this.store.media.image(id))) {
      cached.checkedAt = now;
      return cached.bytes;
    }
    this.#lru.delete(key);
    const bytes = await this.store.media.variant(id, name, format);
    if (bytes) this.#lru.set(key, { bytes, checkedAt: now });
    return bytes;
  }

  /** Drops every variant of an image at once (this node took it down). */
  forget(id: string): void {
    for (const name of MEDIA_WIDTHS) for (const format of MEDIA_FORMATS) this.#lru.delete(`${id}/${name}.${format}`);
  }
}

/**
 * `GET /media/:id/:width.:format`: public, immutable, loadable from any site (the embed widget
 * shows photos on newsrooms' pages). A photo taken down answers 410 `media_removed`, which a CDN
 * may keep (it stays gone).
 */
export function mediaReadRoutes(store: Store, cache: VariantCache): Router {
  const router = Router();
  const notFound = () => new DomainError("media_not_found", "No such image or size.");

  router.get("/media/:id/:file", publicRead, async (req: Request, res) => {
    const id = String(req.params.id);
    // No leading zero: one URL per variant (`0480.jpeg` is not another name for `480.jpeg`).
    const [, width, format] = /^([1-9][0-9]{0,4})\.([a-z]{1,5})$/.exec(String(req.params.file)) ?? [];
    const name = Number(width);
    if (!MEDIA_ID_PATTERN.test(id) || !MEDIA_WIDTHS.some((w) => w === name) || !MEDIA_FORMATS.some((f) => f === format)) throw notFound();
    const etag = `"${id}-${name}-${format}"`;
    const bytes = await cache.get(id, name, format as MediaFormat);
    if (!bytes) {
      if ((await store.media.record(id))?.removedAt) {
        res.setHeader("Cache-Control", "public, max-age=3600");
        throw removed();
      }
      throw notFound();
    }
    res.setHeader("Cache-Control", IMMUTABLE);
    res.setHeader("ETag", etag);
    if (req.get("if-none-match")?.split(",").some((tag) => tag.trim() === etag || tag.trim() === "*")) return void res.status(304).end();
    res.setHeader("Content-Type", CONTENT_TYPE[format as MediaFormat]);
    res.setHeader("Content-Length", String(bytes.byteLength));
    res.end(req.method === "HEAD" ? undefined : bytes);
  });

  return router;
}
