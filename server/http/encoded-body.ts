import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { Request, Response } from "express";

const ENCODINGS = ["br", "gzip"] as const;
type Encoding = (typeof ENCODINGS)[number];

/**
 * Compressed once per body and encoding, off the event loop (zlib's thread pool), so brotli can go
 * past the middleware's per-response quality 4: a big story's page or JSON is hundreds of KB, which
 * compressed per response cost more than its render (server/test/hostile-rendering.test.ts).
 */
const compressors: Record<Encoding, (body: Buffer) => Promise<Buffer>> = {
  br: (body) => promisify(brotliCompress)(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 6, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  gzip: (body) => promisify(gzip)(body),
};

/** A body every reader of a URL gets alike (a page of a version, a version's JSON), and its compressed forms as made. */
export interface EncodedBody {
  body: Buffer;
  /** The body compressed, made when first asked for. */
  encoded: Map<Encoding, Promise<Buffer>>;
}

export const encodedBody = (body: Buffer): EncodedBody => ({ body, encoded: new Map() });

/**
 * What a kept body weighs in a cache's byte budget: the body, and room for its compressed forms,
 * made later when first asked for: brotli and gzip of HTML or JSON are each well under a quarter of it.
 */
export const encodedWeight = (item: EncodedBody): number => Math.ceil(item.body.byteLength * 1.5);

/**
 * Sends `item` as `type`, compressed as the request accepts (brotli, else gzip), so the compression
 * middleware leaves it be. Status and validators are the caller's.
 */
export async function sendEncoded(req: Request, res: Response, item: EncodedBody, type: string): Promise<void> {
  res.vary("Accept-Encoding");
  res.type(type);
  const encoding = ENCODINGS.find((name) => req.acceptsEncodings(name) === name);
  if (!encoding) return void res.send(item.body);
  let encoded = item.encoded.get(encoding);
  if (!encoded) item.encoded.set(encoding, (encoded = compressors[encoding](item.body)));
  res.setHeader("Content-Encoding", encoding);
  res.send(await encoded);
}
