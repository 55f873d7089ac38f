import { describe, expect, it } from "vitest";
import { recognizeEmbed, SUPPORTED_EMBEDS_MESSAGE } from "./embeds.js";
import { EmbedItem } from "./media.js";

/** URLs as editors copy them from browsers and share buttons, and what each becomes. */
const RECOGNIZED: [string, string, string][] = [
  ["youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
  ["youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s&list=PL123", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42"],
  ["youtube", "https://youtu.be/dQw4w9WgXcQ?t=42", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42"],
  ["youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1h2m3s", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3723"],
  ["youtube", "https://www.youtube.com/embed/dQw4w9WgXcQ?start=90", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=90"],
  ["youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=0", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
  ["youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=soon", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
  ["youtube", "https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
  ["youtube", "https://m.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
  ["youtube", "https://youtu.be/dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
  ["youtube", "https://youtu.be/dQw4w9WgXcQ?si=AbCdEf123&t=10", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10"],
  ["youtube", "https://www.youtube.com/shorts/aBcDeFgHiJk", "https://www.youtube.com/watch?v=aBcDeFgHiJk"],
  ["youtube", "https://youtube.com/shorts/aBcDeFgHiJk?feature=share", "https://www.youtube.com/watch?v=aBcDeFgHiJk"],
  ["youtube", "https://www.youtube.com/embed/dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
  ["youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
  ["youtube", "https://www.youtube.com/live/jfKfPfyJRdk?si=x", "https://www.youtube.com/watch?v=jfKfPfyJRdk"],
  ["youtube", "  https://WWW.YouTube.com/watch?v=dQw4w9WgXcQ  ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
  ["vimeo", "https://vimeo.com/76979871", "https://vimeo.com/76979871"],
  ["vimeo", "https://vimeo.com/76979871?share=copy", "https://vimeo.com/76979871"],
  ["vimeo", "https://player.vimeo.com/video/76979871?h=8272103f6e", "https://vimeo.com/76979871"],
  ["vimeo", "https://vimeo.com/channels/staffpicks/76979871", "https://vimeo.com/76979871"],
  ["x", "https://x.com/Reuters/status/1790000000000000000", "https://x.com/Reuters/status/1790000000000000000"],
  ["x", "https://twitter.com/Reuters/status/1790000000000000000?s=20&t=abc", "https://x.com/Reuters/status/1790000000000000000"],
  ["x", "https://mobile.twitter.com/Reuters/status/1790000000000000000", "https://x.com/Reuters/status/1790000000000000000"],
  ["x", "https://www.x.com/Reuters/status/1790000000000000000/photo/1", "https://x.com/Reuters/status/1790000000000000000"],
  ["x", "https://twitter.com/i/web/status/1790000000000000000", "https://x.com/i/status/1790000000000000000"],
  ["bluesky", "https://bsky.app/profile/apnews.com/post/3kq7ldzahnk2x", "https://bsky.app/profile/apnews.com/post/3kq7ldzahnk2x"],
  ["bluesky", "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3kq7ldzahnk2x", "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3kq7ldzahnk2x"],
  ["mastodon", "https://mastodon.social/@Gargron/111111111111111111", "https://mastodon.social/@Gargron/111111111111111111"],
  ["mastodon", "https://social.example.org/@newsroom/109876543210?foo=bar#reply", "https://social.example.org/@newsroom/109876543210"],
  ["mastodon", "https://mastodon.social/users/Gargron/statuses/111111111111111111", "https://mastodon.social/@Gargron/111111111111111111"],
  ["mastodon", "https://chaos.social/@someone@mastodon.social/111111111111111111", "https://chaos.social/@someone@mastodon.social/111111111111111111"],
  ["telegram", "https://t.me/kyivindependent_official/12345", "https://t.me/kyivindependent_official/12345"],
  ["telegram", "https://t.me/s/kyivindependent_official/12345", "https://t.me/kyivindependent_official/12345"],
  ["telegram", "https://telegram.me/durov/42?single", "https://t.me/durov/42"],
  ["instagram", "https://www.instagram.com/p/C5aBcDeFgHi/", "https://www.instagram.com/p/C5aBcDeFgHi/"],
  ["threads", "https://www.threads.net/@zuck/post/C8aBcDeFgHi", "https://www.threads.com/@zuck/post/C8aBcDeFgHi"],
  ["threads", "https://threads.com/@kyiv.city/post/C8aBcDeFgHi/?xmt=AQGz", "https://www.threads.com/@kyiv.city/post/C8aBcDeFgHi"],
  ["instagram", "https://instagram.com/p/C5aBcDeFgHi?igsh=MTc4MmM1YmI2Ng==", "https://www.instagram.com/p/C5aBcDeFgHi/"],
  ["instagram", "https://www.instagram.com/reel/C5aBcDeFgHi/?utm_source=ig_web_copy_link", "https://www.instagram.com/reel/C5aBcDeFgHi/"],
  ["instagram", "https://www.instagram.com/reels/C5aBcDeFgHi/", "https://www.instagram.com/reel/C5aBcDeFgHi/"],
  ["instagram", "https://www.instagram.com/natgeo/p/C5aBcDeFgHi/", "https://www.instagram.com/p/C5aBcDeFgHi/"],
  ["tiktok", "https://www.tiktok.com/@scout2015/video/6718335390845095173", "https://www.tiktok.com/@scout2015/video/6718335390845095173"],
  ["tiktok", "https://tiktok.com/@bbcnews/video/7300000000000000000?is_from_webapp=1&sender_device=pc", "https://www.tiktok.com/@bbcnews/video/7300000000000000000"],
  ["tiktok", "https://m.tiktok.com/@user.name_1/video/7300000000000000000", "https://www.tiktok.com/@user.name_1/video/7300000000000000000"],
  ["facebook", "https://www.facebook.com/watch/?v=1234567890123456", "https://www.facebook.com/watch/?v=1234567890123456"],
  ["facebook", "https://m.facebook.com/watch?v=1234567890123456&ref=sharing", "https://www.facebook.com/watch/?v=1234567890123456"],
  ["facebook", "https://www.facebook.com/bbcnews/posts/pfbid02abcDEF123ghiJKL456mnoPQR789stu", "https://www.facebook.com/bbcnews/posts/pfbid02abcDEF123ghiJKL456mnoPQR789stu"],
  ["facebook", "https://facebook.com/bbcnews/posts/10158000000000000?__cft__=x#comments", "https://www.facebook.com/bbcnews/posts/10158000000000000"],
  ["facebook", "https://web.facebook.com/bbcnews/videos/1234567890123456/", "https://www.facebook.com/bbcnews/videos/1234567890123456"],
  ["facebook", "https://www.facebook.com/bbcnews/videos/some-title/1234567890123456/", "https://www.facebook.com/bbcnews/videos/some-title/1234567890123456"],
  ["facebook", "https://www.facebook.com/reel/1234567890123456?s=yWDuG2", "https://www.facebook.com/reel/1234567890123456"],
  ["facebook", "https://www.facebook.com/photo.php?fbid=1234567890&set=a.1&type=3", "https://www.facebook.com/photo/?fbid=1234567890"],
  ["facebook", "https://www.facebook.com/permalink.php?story_fbid=pfbid0abcdefghijk123&id=100064000000000", "https://www.facebook.com/permalink.php?story_fbid=pfbid0abcdefghijk123&id=100064000000000"],
  ["facebook", "https://www.facebook.com/bbcnews/photos/a.123456/7890123456/", "https://www.facebook.com/bbcnews/photos/a.123456/7890123456"],
  ["facebook", "https://fb.watch/abCDef12gh/", "https://fb.watch/abCDef12gh/"],
];

const REFUSED = [
  "",
  "not a url",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(document.cookie)//https://www.youtube.com/watch?v=dQw4w9WgXcQ",
  "data:text/html,<script>alert(1)</script>",
  "http://www.youtube.com/watch?v=dQw4w9WgXcQ",
  "ftp://youtu.be/dQw4w9WgXcQ",
  "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
  "https://evilyoutube.com/watch?v=dQw4w9WgXcQ",
  "https://user:pass@www.youtube.com/watch?v=dQw4w9WgXcQ",
  "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
  "https://www.youtube.com/watch?v=short",
  "https://www.youtube.com/watch?v=dQw4w9WgXcQ\"onload=",
  "https://www.youtube.com/@channel",
  "https://www.youtube.com/",
  "https://vimeo.com/about",
  "https://x.com/Reuters",
  "https://x.com/Reuters/status/notanumber",
  "https://x.com/this_name_is_too_long/status/1",
  "https://bsky.app/profile/apnews.com",
  "https://t.me/c/123456/7",
  "https://t.me/durov",
  "https://www.instagram.com/natgeo/",
  "https://vm.tiktok.com/ZMabcdef/",
  "https://www.tiktok.com/@user",
  "https://www.facebook.com/bbcnews",
  "https://www.facebook.com/login.php?next=https%3A%2F%2Fevil.example",
  "https://www.facebook.com/watch/?v=../../x",
  "https://example.com/article/2026/05/24",
  "https://127.0.0.1/@user/1234",
  "https://localhost/@user/1234",
  "https://medium.com/@writer/a-story-title-1a2b3c",
  `https://mastodon.social/@user/${"1".repeat(2000)}`,
];

describe("recognizeEmbed", () => {
  it.each(RECOGNIZED)("recognizes %s: %s", (provider, input, canonical) => {
    expect(recognizeEmbed(input)).toEqual({ provider, url: canonical });
    // The canonical form is itself recognized as itself, and is a valid stored item.
    expect(recognizeEmbed(canonical)).toEqual({ provider, url: canonical });
    expect(EmbedItem.safeParse({ type: "embed", provider, url: canonical }).success).toBe(true);
  });

  it.each(REFUSED)("refuses %j", (input) => {
    expect(recognizeEmbed(input)).toBeUndefined();
  });

  it("names every supported platform when it refuses", () => {
    expect(SUPPORTED_EMBEDS_MESSAGE).toBe(
      "Paste the https link of a single post or video on YouTube, Vimeo, X, Bluesky, Mastodon, Telegram, Instagram, TikTok, Facebook or Threads.",
    );
  });
});
