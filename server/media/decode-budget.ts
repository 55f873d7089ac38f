import { MEDIA_WIDTHS } from "../../shared/media.js";
import { DomainError } from "../../shared/error-codes.js";
import type { ImageType } from "./image-type.js";

/** The formats an upload may be in (HEIC is recognized only to be refused). */
export type DecodableType = Exclude<ImageType, "heic">;

/** What an image's header says, as sharp's `metadata()` reads it without decoding a pixel. */
export interface ImageHeader {
  width: number;
  height: number;
  channels: number;
  /** libvips' band format: `uchar` (8-bit), `ushort` (16-bit, also for 10- and 12-bit AVIF), … */
  depth?: string | undefined;
}

/** The most memory the pixels of one upload may take once decoded; more is refused from the header. */
export const DECODE_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * The most pixels per format. JPEG and WebP decode straight to a fraction of their size
 * (shrink-on-load), so a camera's 100 Mpx photo costs little; the others are decoded whole
 * before they are scaled. AVIF is capped lowest: libheif holds the YUV planes, the AV1 decoder's
 * frames and the RGB image at once (see AVIF_OVERHEAD).
 */
export const MAX_PIXELS: Record<DecodableType, number> = {
  jpeg: 100_000_000,
  webp: 100_000_000,
  png: 40_000_000,
  gif: 40_000_000,
  avif: 16_000_000,
};

/**
 * How many times its decoded size an AVIF takes while libheif decodes it. Measured peaks (RSS
 * less node's own ~100 MB): 8-bit RGB 19 bytes a pixel (6 × its 3), 12-bit RGBA 25–30 bytes a
 * pixel (3–4 × its 8); 4 keeps a 16 Mpx 8-bit photo (a phone's) and refuses 12-bit RGBA past 8 Mpx.
 */
const AVIF_OVERHEAD = 4;

const BYTES_PER_SAMPLE: Record<string, number> = { uchar: 1, char: 1, ushort: 2, short: 2, uint: 4, int: 4, float: 4, double: 8, complex: 8, dpcomplex: 16 };

/** The largest variant is what every upload is scaled to first (process-image.ts). */
const LARGEST_WIDTH = MEDIA_WIDTHS[MEDIA_WIDTHS.length - 1]!;

/**
 * How much a JPEG or WebP is shrunk while it is decoded: libjpeg decodes at 1/2, 1/4 or 1/8 of
 * its size. Counted at half the factor sharp may use, and from the shorter side (a photo stored
 * sideways is scaled by its height), so the estimate errs on the large side.
 */
function shrinkOnLoad(type: DecodableType, header: ImageHeader): number {
  if (type !== "jpeg" && type !== "webp") return 1;
  const side = Math.min(header.width, header.height);
  let shrink = 1;
  while (shrink < 8 && side / (shrink * 2) >= LARGEST_WIDTH * 2) shrink *= 2;
  return shrink;
}

/** The bytes the pixels of an image take while it is decoded, as its header describes it. */
export function decodeBytes(type: DecodableType, header: ImageHeader): number {
  const shrink = shrinkOnLoad(type, header);
  const pixels = Math.ceil(header.width / shrink) * Math.ceil(header.height / shrink);
  const sample = BYTES_PER_SAMPLE[header.depth ?? "uchar"] ?? 8;
  return pixels * header.channels * sample * (type === "avif" ? AVIF_OVERHEAD : 1);
}

const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

/**
 * Judges an upload from its header alone, before any pixel is decoded: a 3 KB AVIF may declare
 * 10 000 × 10 000 12-bit pixels with transparency, gigabytes once decoded. Throws the 413 to answer.
 */
export function judgeHeader(type: DecodableType, header: ImageHeader): void {
  const { width, height } = header;
  const maxPixels = MAX_PIXELS[type];
  if (width * height > maxPixels) {
    throw new DomainError("image_too_large",
      `The image has too many pixels (${width} × ${height}): at most ${maxPixels / 1_000_000} megapixels for ${type.toUpperCase()}. Scale it down and try again.`,
      { width, height, maxPixels },
    );
  }
  const bytes = decodeBytes(type, header);
  if (bytes > DECODE_BUDGET_BYTES) {
    throw new DomainError("image_too_large",
      `The image would take ${mb(bytes)} MB of memory to decode (${width} × ${height}), more than the ${mb(DECODE_BUDGET_BYTES)} MB allowed. Save it smaller or as an 8-bit JPEG and try again.`,
      { width, height, decodeBytes: bytes, maxDecodeBytes: DECODE_BUDGET_BYTES },
    );
  }
}

/** The decode child reached its memory limit (decode-pool.ts): the image is too large, not damaged. */
export class MemoryRefusal extends DomainError {
  constructor() {
    super("image_too_large", "The image needs more memory to process than this server allows. Save it smaller or as a JPEG and try again.");
  }
}
