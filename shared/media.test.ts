import { describe, expect, it } from "vitest";
import { MediaItem, mediaPath, mediaVariants } from "./media.js";

describe("mediaVariants", () => {
  it("offers every fixed width below the image's own and the next one up at its own size", () => {
    expect(mediaVariants(1200, 800)).toEqual([
      { name: 480, width: 480, height: 320 },
      { name: 960, width: 960, height: 640 },
      { name: 1600, width: 1200, height: 800 },
    ]);
    expect(mediaVariants(300, 200)).toEqual([{ name: 480, width: 300, height: 200 }]);
    expect(mediaVariants(4000, 3000).map((v) => [v.name, v.width, v.height])).toEqual([
      [480, 480, 360],
      [960, 960, 720],
      [1600, 1600, 1200],
    ]);
    expect(mediaVariants(960, 10)).toEqual([
      { name: 480, width: 480, height: 5 },
      { name: 960, width: 960, height: 10 },
    ]);
  });

  it("names a variant's path", () => {
    expect(mediaPath("m_0123456789abcdef0123456789abcdef", 960, "webp")).toBe("/media/m_0123456789abcdef0123456789abcdef/960.webp");
  });
});

describe("MediaItem", () => {
  const image = { type: "image", id: "m_0123456789abcdef0123456789abcdef", alt: "A damaged building", width: 1600, height: 1067 };
  it("takes an image with alt text and an embed on a known platform over https", () => {
    expect(MediaItem.safeParse(image).success).toBe(true);
    expect(MediaItem.safeParse({ type: "embed", provider: "youtube", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" }).success).toBe(true);
  });
  it("refuses an image without alt text, an unknown platform and a javascript: URL", () => {
    expect(MediaItem.safeParse({ ...image, alt: "" }).success).toBe(false);
    expect(MediaItem.safeParse({ type: "embed", provider: "myspace", url: "https://myspace.com/x" }).success).toBe(false);
    expect(MediaItem.safeParse({ type: "embed", provider: "youtube", url: "javascript:alert(1)" }).success).toBe(false);
  });
});
