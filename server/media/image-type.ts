import { DomainError } from "../../shared/error-codes.js";

/**
 * What an upload is, judged by its first bytes alone (never by its name or Content-Type, which
 * the sender chooses). `heic` is recognized only to tell the editor what to do instead.
 */
export type ImageType = "jpeg" | "png" | "gif" | "webp" | "avif" | "heic";

const ascii = (bytes: Uint8Array, start: number, end: number) => String.fromCharCode(...bytes.subarray(start, end));

const AVIF_BRANDS = new Set(["avif", "avis"]);
const HEIC_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1"]);

/** The brands of an ISO base media file (HEIF, AVIF): the major brand and the compatible ones of its `ftyp` box. */
function brandsOf(bytes: Uint8Array): string[] {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== "ftyp") return [];
  const size = Math.min(new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0), bytes.length, 4096);
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(ascii(bytes, at, at + 4));
  return brands;
}

export function imageTypeOf(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  if (bytes.length >= 8 && ascii(bytes, 0, 8) === "\x89PNG\r\n\x1a\n") return "png";
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a")) return "gif";
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return "webp";
  const brands = brandsOf(bytes);
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return "avif";
  if (brands.some((brand) => HEIC_BRANDS.has(brand))) return "heic";
  return undefined;
}

/** The type of an image this server can use, or the 415 that tells the editor what to do instead. */
export function decodableTypeOf(bytes: Uint8Array): Exclude<ImageType, "heic"> {
  const type = imageTypeOf(bytes);
  if (type === "heic") {
    throw new DomainError("unsupported_image_type", "HEIC photos (the iPhone's own format) cannot be used here: export the photo as JPEG and upload that.", { format: "heic" });
  }
  if (!type) throw new DomainError("unsupported_image_type", "This is not a JPEG, PNG, WebP, AVIF or GIF image. Upload the photo as one of those.");
  return type;
}
