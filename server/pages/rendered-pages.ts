import { createHash } from "node:crypto";
import type { Request, Response } from "express";
import { encodedBody, encodedWeight, sendEncoded, type EncodedBody } from "../http/encoded-body.js";
import { validated } from "../http/shared-cache.js";
import { LatestCache } from "../latest-cache.js";

/** How many bytes of rendered HTML (with its compressed forms) each kind of page keeps: the latest pages of a few hundred stories. */
export const RENDERED_BUDGET = 32 * 1024 * 1024;

/** A page as every reader of its URL gets it, with the validator that names its bytes. */
export interface RenderedPage extends EncodedBody {
  /** Weak (the bytes differ once compressed), from a hash of the body: it changes exactly when they do, on every node alike. */
  etag: string;
}

/**
 * Reader pages rendered once per story version and variant, then sent as they are: the server-side
 * render of a big story costs far more than a request should hold the event loop, and a page holds
 * nothing that differs from one reader to the next (no nonce, no render time: times are absolute
 * until the browser takes over), so the same URL gives the same bytes to every reader, which is
 * what lets a CDN keep it (DESIGN.md §6). Only the latest version's page is kept per URL.
 */
export class RenderedPages {
  readonly #pages = new LatestCache<RenderedPage>(RENDERED_BUDGET, encodedWeight);

  /** The page of `version` in `slot`, which must name the story and every variant the URL asks for. */
  async page(slot: string, version: number, render: () => string | Promise<string>): Promise<RenderedPage> {
    const cached = this.#pages.get(slot, version);
    if (cached) return cached;
    const body = Buffer.from(await render());
    const hash = createHash("sha256").update(body).digest("base64url").slice(0, 22);
    return this.#pages.set(slot, version, { ...encodedBody(body), etag: `W/"${hash}"` });
  }

  /** Bytes held (`live_ticker_cache_bytes`). */
  get bytes(): number {
    return this.#pages.bytes;
  }
}

/**
 * Sends a rendered page with its validator and `cacheControl`, or 304 when the reader holds it;
 * compressed as the request accepts (brotli, else gzip), so the compression middleware leaves it be.
 * `status`: 410 for the page of a removed update, which is as cacheable as any.
 */
export async function sendRendered(req: Request, res: Response, page: RenderedPage, cacheControl: string, status = 200): Promise<void> {
  res.vary("Accept-Encoding");
  if (validated(req, res, page.etag, cacheControl)) return void res.status(304).end();
  res.status(status);
  await sendEncoded(req, res, page, "html");
}
