import sharp, { type Sharp } from "sharp";
import { mediaVariants, MEDIA_FORMATS, type MediaFormat } from "../../shared/media.js";
import { DomainError } from "../../shared/error-codes.js";
import type { ImageVariant, StoredImage } from "../store/media-store.js";
import { judgeHeader, MAX_PIXELS, MemoryRefusal, type DecodableType } from "./decode-budget.js";
import { decodableTypeOf } from "./image-type.js";
import { mediaIdOf } from "./media-id.js";

export { mediaIdOf };

// libvips keeps no cache of decoded images between uploads (each is processed once), and uses at
// most two threads per image. This runs in a decode child (decode-pool.ts), never in the server.
sharp.cache(false);
sharp.concurrency(2);

/**
 * Encoder settings: good quality for photos, with the least encoder effort, since all nine
 * variants are made while the editor waits. Measured on a 1200 × 900 noisy photo (the worst case
 * for encoders) on a loaded 2-core machine: AVIF at effort 2 took 8.5 s, at effort 0 0.7 s for
 * a file 5 % smaller; mozjpeg took 2.6 s against 0.2 s for libjpeg's progressive mode.
 */
const ENCODE: Record<MediaFormat, (image: Sharp) => Sharp> = {
  avif: (image) => image.avif({ quality: 55, effort: 0 }),
  webp: (image) => image.webp({ quality: 78, effort: 2 }),
  // JPEG has no transparency: a logo with an alpha channel is laid on white.
  jpeg: (image) => image.flatten({ background: "#ffffff" }).jpeg({ quality: 80, progressive: true }),
};

const hex = (n: number) => Math.round(n).toString(16).padStart(2, "0");

/**
 * Decodes an upload, turns it upright (EXIF orientation) and re-encodes it at every variant's
 * width and in every format. Nothing of the original file but its pixels survives: sharp writes
 * no EXIF, XMP, IPTC or ICC profile unless asked to (the pixels are converted to sRGB), so a
 * photo's location, camera and author never leave the server. Refusals are ApiErrors:
 * 415 for what is not a supported image, 413 for too many pixels or too much decode memory
 * (decode-budget.ts), 400 for what does not decode.
 */
export async function processImage(bytes: Buffer): Promise<{ image: StoredImage; variants: ImageVariant[] }> {
  const type = decodableTypeOf(bytes);

  const input = { limitInputPixels: MAX_PIXELS[type], failOn: "error", animated: false } as const;
  try {
    // The header alone says how large the image is: a small file declaring huge dimensions is refused before any decoding.
    // (judged here rather than by libvips' pixel limit, so that the refusal names the size).
    const header = await sharp(bytes, { ...input, limitInputPixels: false }).metadata();
    if (!header.width || !header.height || !header.channels) throw new DomainError("invalid_image", "The image could not be read: it seems damaged or incomplete.");
    judgeHeader(type, { width: header.width, height: header.height, channels: header.channels, depth: header.depth });

    const sideways = (header.orientation ?? 1) >= 5;
    const width = sideways ? header.height : header.width;
    const height = sideways ? header.width : header.height;
    const variants = mediaVariants(width, height);
    const largest = variants[variants.length - 1]!;
    // One decode: the upright image at the largest variant's size, 8-bit sRGB, from which every variant is made.
    const master = await sharp(bytes, input)
      .rotate()
      .resize(largest.width, largest.height, { fit: "fill" })
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    const raw = { raw: { width: master.info.width, height: master.info.height, channels: master.info.channels } };

    const encoded: ImageVariant[] = [];
    for (const variant of variants) {
      for (const format of MEDIA_FORMATS) {
        const resized = sharp(master.data, raw).resize(variant.width, variant.height, { fit: "fill" });
        encoded.push({ name: variant.name, format, bytes: await ENCODE[format](resized).toBuffer() });
      }
    }
    // The mean colour, not the dominant one: what a reader sees before the photo loads should read as the whole picture.
    const { channels } = await sharp(master.data, raw).stats();
    const [r, g, b] = [0, 1, 2].map((i) => (channels[i] ?? channels[0]!).mean);
    const placeholder = `#${hex(r!)}${hex(g!)}${hex(b!)}`;
    return { image: { id: mediaIdOf(bytes), width, height, placeholder }, variants: encoded };
  } catch (error) {
    if (error instanceof DomainError) throw error;
    if (error instanceof Error && /pixel limit/i.test(error.message)) throw tooManyPixels(type);
    // The decode child's memory limit (decode-pool.ts) made an allocation fail: too large, not damaged.
    if (error instanceof Error && /memory|alloc/i.test(error.message)) throw new MemoryRefusal();
    // libvips names what it could not decode (truncated, corrupt, unsupported inside a known container).
    throw new DomainError("invalid_image", "The image could not be read: it seems damaged or incomplete. Try exporting it again.");
  }
}

/** libvips refused the image by its pixel count (a header sharp reads past metadata()'s). */
function tooManyPixels(type: DecodableType): DomainError {
  const maxPixels = MAX_PIXELS[type];
  return new DomainError("image_too_large", `The image has too many pixels: at most ${maxPixels / 1_000_000} megapixels for ${type.toUpperCase()}. Scale it down and try again.`, { maxPixels });
}
