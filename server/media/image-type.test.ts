import { describe, expect, it } from "vitest";
import { imageTypeOf } from "./image-type.js";

describe("imageTypeOf", () => {
  const box = (major: string, ...compatible: string[]) => {
    const body = Buffer.from(`ftyp${major}\0\0\0\0${compatible.join("")}`, "latin1");
    const size = Buffer.alloc(4);
    size.writeUInt32BE(body.length + 4);
    return Buffer.concat([size, body, Buffer.alloc(64)]);
  };

  it("judges by the first bytes: AVIF by its brands, HEIC to be refused with advice, the rest by magic numbers", () => {
    expect(imageTypeOf(box("avif", "mif1", "miaf"))).toBe("avif");
    expect(imageTypeOf(box("mif1", "avif", "miaf"))).toBe("avif");
    expect(imageTypeOf(box("heic", "mif1", "heic"))).toBe("heic");
    expect(imageTypeOf(box("mif1", "heic"))).toBe("heic");
    expect(imageTypeOf(box("isom", "mp41"))).toBeUndefined(); // an MP4 video
    expect(imageTypeOf(Buffer.from([0xff, 0xd8, 0xff, 0xdb]))).toBe("jpeg");
    expect(imageTypeOf(Buffer.from("\x89PNG\r\n\x1a\n", "latin1"))).toBe("png");
    expect(imageTypeOf(Buffer.from("GIF89a", "latin1"))).toBe("gif");
    expect(imageTypeOf(Buffer.from("RIFF\0\0\0\0WEBPVP8 ", "latin1"))).toBe("webp");
    expect(imageTypeOf(Buffer.from("RIFF\0\0\0\0WAVEfmt ", "latin1"))).toBeUndefined();
    expect(imageTypeOf(Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'/>"))).toBeUndefined();
    expect(imageTypeOf(Buffer.from("BM"))).toBeUndefined(); // BMP, TIFF and the rest are not taken
    expect(imageTypeOf(Buffer.alloc(0))).toBeUndefined();
    expect(imageTypeOf(Buffer.from([0, 0, 0, 0xff, 0x66, 0x74, 0x79, 0x70]))).toBeUndefined(); // a box claiming 255 bytes, cut short
  });
});
