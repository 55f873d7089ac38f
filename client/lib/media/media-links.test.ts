import { describe, expect, it } from "vitest";
import type { ImageItem, MediaItem } from "../../../shared/media.js";
import { linkLabel, mediaChanges, mediaHref, mediaMarks, mediaName, showLabel } from "./media-links.js";

const photo = (n: number, fields: Partial<ImageItem> = {}): ImageItem => ({
  type: "image",
  id: `m_${String(n).repeat(32).slice(0, 32)}`,
  alt: `Photo ${n}`,
  width: 1200,
  height: 800,
  ...fields,
});
const video: MediaItem = { type: "embed", provider: "youtube", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" };
const post: MediaItem = { type: "embed", provider: "x", url: "https://x.com/a/status/1" };

describe("media as links", () => {
  it("names and links each item", () => {
    expect(mediaName(photo(1))).toBe("Photo");
    expect(mediaName(video)).toBe("YouTube video");
    expect(mediaName(post)).toBe("Post on X");
    // The largest variant of a 1200 px photo is named 1600 (never upscaled: shared/media.ts).
    expect(mediaHref(photo(1))).toBe(`/media/${photo(1).id}/1600.jpeg`);
    expect(mediaHref(photo(1, { width: 300, height: 200 }))).toBe(`/media/${photo(1).id}/480.jpeg`);
    expect(mediaHref(post)).toBe(post.url);
  });

  it("names the platform, and says video or post, in the page's interface language", () => {
    expect(showLabel({ provider: "youtube", url: "https://www.youtube.com/watch?v=x" })).toBe("Show YouTube video");
    expect(showLabel({ provider: "x", url: "https://x.com/a/status/1" })).toBe("Show post on X");
    expect(showLabel({ provider: "facebook", url: "https://www.facebook.com/watch/?v=1" })).toBe("Show Facebook video");
    expect(linkLabel({ provider: "telegram", url: "https://t.me/a/1" })).toBe("View on Telegram");
    expect(linkLabel({ provider: "vimeo", url: "https://vimeo.com/1" })).toBe("Watch on Vimeo");
    expect(showLabel({ provider: "youtube", url: "https://www.youtube.com/watch?v=x" }, "uk")).toBe("Показати відео YouTube");
    expect(linkLabel({ provider: "telegram", url: "https://t.me/a/1" }, "uk")).toBe("Переглянути в Telegram");
    expect(mediaName(photo(1), "uk")).toBe("Фото");
  });

  it("marks photos and videos", () => {
    expect(mediaMarks(undefined)).toEqual({ photo: false, video: false });
    expect(mediaMarks([post])).toEqual({ photo: false, video: false });
    expect(mediaMarks([photo(1), video])).toEqual({ photo: true, video: true });
  });
});

describe("mediaChanges", () => {
  it("finds nothing when nothing changed", () => {
    expect(mediaChanges([photo(1), video], [photo(1), video])).toEqual({ changes: [], reordered: false });
    expect(mediaChanges(undefined, [])).toEqual({ changes: [], reordered: false });
  });

  it("reports an embed whose caption changed, not one whose platform's description did", () => {
    const captioned = { ...video, caption: "Filmed at dawn" } as MediaItem;
    expect(mediaChanges([video], [captioned]).changes).toEqual([{ change: "changed", item: captioned }]);
    expect(mediaChanges([captioned], [{ ...captioned, title: "New title" } as MediaItem]).changes).toEqual([]);
  });

  it("reports added, removed and re-captioned items, and a new order", () => {
    const result = mediaChanges([photo(1), photo(2), video], [video, photo(1, { alt: "A burnt-out tram" }), photo(3)]);
    expect(result.changes).toEqual([
      { change: "changed", item: photo(1, { alt: "A burnt-out tram" }) },
      { change: "added", item: photo(3) },
      { change: "removed", item: photo(2) },
    ]);
    expect(result.reordered).toBe(true);
  });

  it("counts each use of the same photo", () => {
    expect(mediaChanges([photo(1), photo(1)], [photo(1)]).changes).toEqual([{ change: "removed", item: photo(1) }]);
    expect(mediaChanges([photo(1)], [photo(1), post]).reordered).toBe(false);
  });
});

describe("a Mastodon embed names its instance (issue 26)", () => {
  it("in the consent button, the link and the frame's title", () => {
    const toot = { type: "embed", provider: "mastodon", url: "https://mastodon.social/@Gargron/1" } as const;
    expect(showLabel(toot)).toBe("Show post on Mastodon (mastodon.social)");
    expect(linkLabel(toot)).toBe("View on Mastodon (mastodon.social)");
    expect(mediaName(toot)).toBe("Post on Mastodon (mastodon.social)");
  });
});
