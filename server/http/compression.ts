import compression from "compression";
import type { RequestHandler } from "express";

/** Paths whose bytes are already as small as they get: images (/media) and built files the build compressed (server/pages/precompressed.ts). */
const NOT_HERE = /^\/(media|assets)\/|^\/embed\.js$/;

/**
 * Compresses what the server writes per request (pages, JSON, feeds) with brotli or gzip, as the
 * client accepts (DESIGN.md §6), with `Vary: Accept-Encoding`. Never images, which are compressed
 * already, nor Socket.IO, which engine.io answers before Express sees a request. Brotli at the
 * middleware's quality 4: close to gzip's speed with smaller output; pages are rendered once per
 * version, but compressed per response, and a CDN in front keeps the compressed copy.
 */
export function compressText(): RequestHandler {
  return compression({ filter: (req, res) => !NOT_HERE.test(req.path) && compression.filter(req, res) });
}
