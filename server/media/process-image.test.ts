import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { processImage } from "./process-image.js";

describe("processImage", () => {
  it("gives a photo half red, half blue the mean colour as its placeholder, not either half", async () => {
    const half = (colour: string) => sharp({ create: { width: 100, height: 100, channels: 3, background: colour } }).png().toBuffer();
    const bytes = await sharp({ create: { width: 200, height: 100, channels: 3, background: "#000000" } })
      .composite([
        { input: await half("#ff0000"), left: 0, top: 0 },
        { input: await half("#0000ff"), left: 100, top: 0 },
      ])
      .png()
      .toBuffer();
    const { image } = await processImage(bytes);
    const [r, g, b] = [1, 3, 5].map((at) => parseInt(image.placeholder.slice(at, at + 2), 16));
    expect(Math.abs(r! - 128)).toBeLessThan(8);
    expect(g).toBeLessThan(8);
    expect(Math.abs(b! - 128)).toBeLessThan(8);
  });
});
