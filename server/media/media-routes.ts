import { Router, type Request } from "express";
import type { UploadedMedia } from "../../shared/api.js";
import { MAX_MEDIA_PER_ENTRY, MEDIA_FORMATS, MEDIA_ID_PATTERN, MEDIA_WIDTHS, type MediaFormat } from "../../shared/media.js";
import { Lru } from "../../shared/lru.js";
import { principalOf, requireRole } from "../http/auth.js";
import { ApiError } from "../http/errors.js";
import { publicRead } from "../http/public-reads.js";
import type { Store } from "../store/store.js";
import { DECODE_CHILDREN, type DecodePool } from "./decode-pool.js";
import { decodableTypeOf } from "./image-type.js";
import { mediaIdOf } from "./media-id.js";
import { UploadAdmission } from "./upload-admission.js";
import { readUpload } from "./upload-body.js";

/** Variant bytes kept in memory: the images of the stories being read now. */
const VARIANT_CACHE_BYTES = 64 * 1024 * 1024;
/** Refused uploads remembered by content hash, so the same bad file sent again is refused at once. */
const REFUSED_KEPT = 1000;
const REFUSED_FOR_MS = 10 * 60 * 1000;

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
export function mediaUploadRoutes(store: Store, limits: UploadLimits, pool: DecodePool): Router {
  const router = Router();
  const admission = new UploadAdmission({ concurrency: DECODE_CHILDREN, queueLength: limits.queueLength, perAccount: MAX_MEDIA_PER_ENTRY });
  const refused = new Lru<string, { error: ApiError; until: number }>(REFUSED_KEPT);

  router.post("/media", requireRole("contributor", "editor", "admin"), async (req, res) => {
    const account = principalOf(res)!.id;
    try {
      admission.check(account, res);
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
    // The same bytes again are the image already stored: nothing is decoded twice.
    const stored =
      (await store.media.image(id)) ??
      (await admission.run(account, res, async () => {
        // The same bytes may have been refused while these waited in line.
        refuseAgain();
        try {
          const { image, variants } = await pool.process(bytes);
          return await store.media.putImage(image, variants, new Date().toISOString());
        } catch (error) {
          // What the image itself earned (not a full queue or a store error) stands for the same bytes again.
          if (error instanceof ApiError && (error.status === 400 || error.status === 413)) refused.set(id, { error, until: Date.now() + REFUSED_FOR_MS });
          throw error;
        }
      }));
    const body: UploadedMedia = { id: stored.id, width: stored.width, height: stored.height, placeholder: stored.placeholder };
    res.status(201).json(body);
  });

  return router;
}

/** `GET /media/:id/:width.:format`: public, immutable, loadable from any site (the embed widget shows photos on newsrooms' pages). */
export function mediaReadRoutes(store: Store): Router {
  const router = Router();
  const cache = new Lru<string, Buffer>(VARIANT_CACHE_BYTES, (bytes) => bytes.byteLength);
  const notFound = () => new ApiError(404, "media_not_found", "No such image or size.");

  router.get("/media/:id/:file", publicRead, async (req: Request, res) => {
    const id = String(req.params.id);
    const [, width, format] = /^([0-9]{1,5})\.([a-z]{1,5})$/.exec(String(req.params.file)) ?? [];
    const name = Number(width);
    if (!MEDIA_ID_PATTERN.test(id) || !MEDIA_WIDTHS.some((w) => w === name) || !MEDIA_FORMATS.some((f) => f === format)) throw notFound();
    const etag = `"${id}-${name}-${format}"`;
    const key = `${id}/${name}.${format}`;
    const bytes = cache.get(key) ?? (await store.media.variant(id, name, format!));
    if (!bytes) throw notFound();
    cache.set(key, bytes);
    res.setHeader("Cache-Control", IMMUTABLE);
    res.setHeader("ETag", etag);
    if (req.get("if-none-match")?.split(",").some((tag) => tag.trim() === etag || tag.trim() === "*")) return void res.status(304).end();
    res.setHeader("Content-Type", CONTENT_TYPE[format as MediaFormat]);
    res.setHeader("Content-Length", String(bytes.byteLength));
    res.end(req.method === "HEAD" ? undefined : bytes);
  });

  return router;
}
