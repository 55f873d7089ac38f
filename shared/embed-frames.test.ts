import { describe, expect, it } from "vitest";
import { embedFrame, frameOrigins } from "./embed-frames.js";
import type { EmbedItem } from "./media.js";

const frame = (provider: EmbedItem["provider"], url: string) => embedFrame({ provider, url });

describe("embedFrame", () => {
  it.each([
    ["youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "https://www.youtube-nocookie.com"],
    ["threads", "https://www.threads.com/@zuck/post/C8aBcDeFgHi", "https://www.threads.com/@zuck/post/C8aBcDeFgHi/embed", "https://www.threads.com"],
    ["youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=42", "https://www.youtube-nocookie.com"],
    ["vimeo", "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1", "https://player.vimeo.com"],
    ["x", "https://x.com/Reuters/status/1790000000000000000", "https://platform.twitter.com/embed/Tweet.html?id=1790000000000000000&dnt=true", "https://platform.twitter.com"],
    [
      "bluesky",
      "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3lbf3etdjxc24",
      "https://embed.bsky.app/embed/did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3lbf3etdjxc24",
      "https://embed.bsky.app",
    ],
    ["mastodon", "https://mastodon.social/@Gargron/112345678901234567", "https://mastodon.social/@Gargron/112345678901234567/embed", "https://mastodon.social"],
    ["telegram", "https://t.me/kyivindependent_official/51234", "https://t.me/kyivindependent_official/51234?embed=1", "https://t.me"],
    ["instagram", "https://www.instagram.com/p/C8abcDEF123/", "https://www.instagram.com/p/C8abcDEF123/embed", "https://www.instagram.com"],
    ["instagram", "https://www.instagram.com/reel/C8abcDEF123/", "https://www.instagram.com/reel/C8abcDEF123/embed", "https://www.instagram.com"],
    ["tiktok", "https://www.tiktok.com/@scout2015/video/6718335390845095173", "https://www.tiktok.com/embed/v2/6718335390845095173", "https://www.tiktok.com"],
    [
      "facebook",
      "https://www.facebook.com/nytimes/posts/pfbid02abc",
      "https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2Fnytimes%2Fposts%2Fpfbid02abc",
      "https://www.facebook.com",
    ],
    [
      "facebook",
      "https://www.facebook.com/nytimes/videos/1234567890/",
      "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fnytimes%2Fvideos%2F1234567890%2F",
      "https://www.facebook.com",
    ],
  ] as const)("%s %s", (provider, url, src, origin) => {
    expect(frame(provider, url)).toMatchObject({ src, origin });
  });

  it("gives a link, not a frame, for a Bluesky post named by handle (the embed needs a DID)", () => {
    expect(frame("bluesky", "https://bsky.app/profile/bsky.app/post/3lbf3etdjxc24")).toBeUndefined();
  });

  it.each([
    ["youtube", "http://www.youtube.com/watch?v=dQw4w9WgXcQ"],
    ["youtube", "https://www.youtube.com/watch?v=dQw4w9<script>"],
    ["youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1m2s"],
    ["youtube", "https://evil.example/watch?v=dQw4w9WgXcQ"],
    ["youtube", "https://user:pw@www.youtube.com/watch?v=dQw4w9WgXcQ"],
    ["vimeo", "https://vimeo.com/76979871/../../x"],
    ["x", "https://x.com/a/status/123%22%3E"],
    ["mastodon", "https://mastodon.social/@Gargron/1/../../evil"],
    ["mastodon", "https://host;script-src *.example/@a/1"],
    ["mastodon", "https://127.0.0.1:8080/@a/1"],
    ["telegram", "https://t.me/channel/1/2"],
    ["tiktok", "https://www.tiktok.com/@u/photo/1"],
    ["facebook", "https://facebook.evil.example/x"],
    ["youtube", "javascript:alert(1)"],
    ["youtube", "not a url"],
  ] as const)("refuses a URL that is not the canonical form: %s %s", (provider, url) => {
    expect(frame(provider, url)).toBeUndefined();
  });

  it("sends a referrer only to players that need one, and gives posts no permissions", () => {
    expect(frame("youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ")).toMatchObject({ referrerPolicy: "strict-origin-when-cross-origin", allow: "fullscreen; picture-in-picture" });
    expect(frame("x", "https://x.com/a/status/1")).toMatchObject({ referrerPolicy: "no-referrer", allow: "" });
  });
});

describe("frameOrigins", () => {
  it("lists each origin the entries' embeds need once, sorted, and ignores photos and link-only embeds", () => {
    const entries = [
      { media: [{ type: "embed", provider: "youtube", url: "https://www.youtube.com/watch?v=a" }] },
      {},
      {
        media: [
          { type: "image", id: `m_${"0".repeat(32)}`, alt: "x", width: 10, height: 10 },
          { type: "embed", provider: "mastodon", url: "https://social.example.org/@a/1" },
          { type: "embed", provider: "youtube", url: "https://www.youtube.com/watch?v=b" },
          { type: "embed", provider: "bluesky", url: "https://bsky.app/profile/someone.bsky.social/post/3l" },
        ],
      },
    ] as const;
    expect(frameOrigins(entries as never)).toEqual(["https://social.example.org", "https://www.youtube-nocookie.com"]);
    expect(frameOrigins([])).toEqual([]);
  });
});
