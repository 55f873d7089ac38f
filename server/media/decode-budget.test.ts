import { describe, expect, it } from "vitest";
import { DomainError } from "../../shared/error-codes.js";
import { DECODE_BUDGET_BYTES, decodeBytes, judgeHeader, MAX_PIXELS, type DecodableType, type ImageHeader } from "./decode-budget.js";

const refusal = (type: DecodableType, header: ImageHeader): DomainError | undefined => {
  try {
    judgeHeader(type, header);
    return undefined;
  } catch (error) {
    return error as DomainError;
  }
};

describe("judgeHeader: an upload judged by its header, before decoding", () => {
  // What sharp's metadata() reads from the review's files (issue 26), a few KB each.
  const review: [string, DecodableType, ImageHeader][] = [
    ["a 3 KB 10000² 12-bit AVIF with alpha", "avif", { width: 10_000, height: 10_000, channels: 4, depth: "ushort" }],
    ["a 1.9 KB 10000² 8-bit AVIF", "avif", { width: 10_000, height: 10_000, channels: 3, depth: "uchar" }],
    ["a 67 KB 10000² GIF", "gif", { width: 10_000, height: 10_000, channels: 4, depth: "uchar" }],
    ["a 10000² 16-bit PNG with alpha", "png", { width: 10_000, height: 10_000, channels: 4, depth: "ushort" }],
  ];
  it.each(review)("refuses %s: 413 image_too_large, naming its size", (_name, type, header) => {
    const error = refusal(type, header);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "image_too_large", details: { width: 10_000, height: 10_000, maxPixels: MAX_PIXELS[type] } });
    expect(error!.message).toContain("10000 × 10000");
  });

  it("takes what phones and cameras make", () => {
    expect(refusal("jpeg", { width: 4032, height: 3024, channels: 3, depth: "uchar" })).toBeUndefined();
    // A 100 Mpx camera's JPEG: decoded at a quarter of its size at most (shrink-on-load).
    expect(refusal("jpeg", { width: 12_000, height: 8_300, channels: 3, depth: "uchar" })).toBeUndefined();
    expect(refusal("avif", { width: 4032, height: 3024, channels: 3, depth: "uchar" })).toBeUndefined();
    expect(refusal("png", { width: 6000, height: 4000, channels: 4, depth: "uchar" })).toBeUndefined();
    expect(refusal("gif", { width: 800, height: 600, channels: 4, depth: "uchar" })).toBeUndefined();
  });

  it("refuses by decode memory what the pixel caps let pass: deep samples, alpha, a strip JPEG cannot shrink", () => {
    // 30 Mpx is under PNG's cap, but 16-bit RGBA makes it 240 MB… and 34 Mpx passes the budget.
    expect(refusal("png", { width: 6000, height: 5000, channels: 4, depth: "ushort" })).toBeUndefined();
    const deep = refusal("png", { width: 6000, height: 5800, channels: 4, depth: "ushort" });
    expect(deep).toMatchObject({ code: "image_too_large", details: { decodeBytes: 6000 * 5800 * 8, maxDecodeBytes: DECODE_BUDGET_BYTES } });
    expect(deep!.message).toMatch(/266 MB of memory to decode \(6000 × 5800\)/);
    // A 12-bit AVIF with alpha: past 8 Mpx, libheif's working set passes the budget.
    expect(refusal("avif", { width: 2800, height: 2800, channels: 4, depth: "ushort" })).toBeUndefined();
    expect(refusal("avif", { width: 4000, height: 3000, channels: 4, depth: "ushort" })?.code).toBe("image_too_large");
    // 1600 wide is the largest variant already: nothing to shrink on load, decoded whole (300 MB).
    expect(refusal("jpeg", { width: 1600, height: 62_000, channels: 3, depth: "uchar" })?.code).toBe("image_too_large");
    // Stored sideways, the same strip shrinks no better.
    expect(refusal("jpeg", { width: 62_000, height: 1600, channels: 3, depth: "uchar" })?.code).toBe("image_too_large");
  });

  it("counts a JPEG at its shrunk size (half what libjpeg may do, to err large) and the others whole", () => {
    expect(decodeBytes("jpeg", { width: 12_800, height: 9_600, channels: 3 })).toBe((12_800 / 2) * (9_600 / 2) * 3);
    expect(decodeBytes("jpeg", { width: 30_000, height: 30_000, channels: 3 })).toBe((30_000 / 8) * (30_000 / 8) * 3);
    expect(decodeBytes("png", { width: 12_800, height: 9_600, channels: 3 })).toBe(12_800 * 9_600 * 3);
    expect(decodeBytes("gif", { width: 100, height: 100, channels: 4, depth: "uchar" })).toBe(40_000);
  });
});
