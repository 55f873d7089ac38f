import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createDeflate, crc32 } from "node:zlib";
import sharp, { type Sharp } from "sharp";

/**
 * The review's hostile uploads (issue 26): files of a few KB that declare 10 000 × 10 000 pixels,
 * gigabytes once decoded. Made with sharp from flat colour (so they stay small), once: encoding a
 * 10 000² AVIF takes sharp 10–40 s, so the files are kept in fixtures/hostile-images and made
 * again only when missing. `expectedHeaders` says what each must declare; the suites check it,
 * so a kept file cannot drift from what its name claims.
 */
export const HOSTILE_IMAGES = {
  "avif-12bit-alpha.avif": { width: 10_000, height: 10_000, channels: 4, depth: "ushort", make: () => flat(4).avif({ bitdepth: 12, effort: 0 }) },
  "avif-10bit.avif": { width: 10_000, height: 10_000, channels: 3, depth: "ushort", make: () => flat(3).avif({ bitdepth: 10, effort: 0 }) },
  "avif-8bit.avif": { width: 10_000, height: 10_000, channels: 3, depth: "uchar", make: () => flat(3).avif({ effort: 0 }) },
  "flat.gif": { width: 10_000, height: 10_000, channels: 4, depth: "uchar", make: () => flat(3).gif() },
} satisfies Record<string, { width: number; height: number; channels: number; depth: string; make: () => Sharp }>;
export type HostileName = keyof typeof HOSTILE_IMAGES | "png-16bit-alpha.png";

const DIR = fileURLToPath(new URL("./fixtures/hostile-images/", import.meta.url));
const flat = (channels: 3 | 4) => sharp({ create: { width: 10_000, height: 10_000, channels, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } });

/** Every hostile file by name: the kept ones, and a 16-bit PNG (fast to make by hand, ~1 MB, so not kept). */
export async function hostileImages(): Promise<Record<HostileName, Buffer>> {
  mkdirSync(DIR, { recursive: true });
  const files = {} as Record<HostileName, Buffer>;
  for (const [name, image] of Object.entries(HOSTILE_IMAGES)) {
    const path = DIR + name;
    if (!existsSync(path)) writeFileSync(path, await image.make().toBuffer());
    files[name as keyof typeof HOSTILE_IMAGES] = readFileSync(path);
  }
  files["png-16bit-alpha.png"] = await zeroPng(10_000, 10_000);
  return files;
}

/** A PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A complete, valid 16-bit RGBA PNG of transparent black: 800 MB of pixels in ~1 MB. */
async function zeroPng(width: number, height: number): Promise<Buffer> {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 16; // bits per sample
  header[9] = 6; // RGBA
  const row = Buffer.alloc(1 + width * 8); // filter byte 0, then the samples
  const deflate = createDeflate({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => deflate.once("end", resolve));
  for (let y = 0; y < height; y++) if (!deflate.write(row)) await new Promise((resolve) => deflate.once("drain", resolve));
  deflate.end();
  await done;
  return Buffer.concat([Buffer.from("\x89PNG\r\n\x1a\n", "latin1"), pngChunk("IHDR", header), pngChunk("IDAT", Buffer.concat(chunks)), pngChunk("IEND", Buffer.alloc(0))]);
}
