import { Router, type Request } from "express";
import type { UploadedMedia } from "../../shared/api.js";
import { MEDIA_FORMATS, MEDIA_ID_PATTERN, MEDIA_WIDTHS, type MediaFormat } from "../../shared/media.js";
import { Lru } from "../../shared/lru.js";
import { requireRole } from "../http/auth.js";
import { ApiError } from "../http/errors.js";
import { publicRead } from "../http/public-reads.js";
import type { Store } from "../store/store.js";
import { Gate } from "./gate.js";
import { mediaIdOf, processImage } from "./process-image.js";
import { readUpload } from "./upload-body.js";

/**
 * Uploads processed at once. A 12 Mpx photo takes ~100 MB of libvips memory while it is
 * decoded and encoded (README "Photos": measured); more uploads wait their turn in order.
 */
const UPLOAD_CONCURRENCY = 2;
/** Variant bytes kept in memory: the images of the stories being read now. */
const VARIANT_CACHE_BYTES = 64 * 1024 * 1024;

const IMMUTABLE = "public, max-age=31536000, immutable";
const CONTENT_TYPE: Record<MediaFormat, string> = { avif: "image/avif", webp: "image/webp", jpeg: "image/jpeg" };

/**
 * `POST /api/media` (under /api, after authentication): the image's bytes as the request body,
 * from any writer, contributors included (their drafts carry photos too).
 */
export function mediaUploadRoutes(store: Store, maxUploadBytes: number): Router {
  const router = Router();
  const gate = new Gate(UPLOAD_CONCURRENCY);

  router.post("/media", requireRole("contributor", "editor", "admin"), async (req, res) => {
    const bytes = await readUpload(req, res, maxUploadBytes);
    const id = mediaIdOf(bytes);
    // The same bytes again are the image already stored: nothing is decoded twice.
    const stored =
      (await store.media.image(id)) ??
      (await gate.run(async () => {
        const { image, variants } = await processImage(bytes);
        return store.media.putImage(image, variants, new Date().toISOString());
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
    // No leading zero: one URL per variant (`0480.jpeg` is not another name for `480.jpeg`).
    const [, width, format] = /^([1-9][0-9]{0,4})\.([a-z]{1,5})$/.exec(String(req.params.file)) ?? [];
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
