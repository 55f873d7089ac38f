import { afterEach, describe, expect, it } from "vitest";
import { EmbedInput } from "./api.js";
import { embedFrame, embedSourceName, frameOrigins, MAX_FRAME_ORIGINS } from "./embed-frames.js";
import { limitMastodonInstances, MASTODON_HOST_MAX, recognizeEmbed } from "./embeds.js";

/**
 * Any DNS name may be a Mastodon instance, and each instance a page shows is a frame origin of its
 * CSP (issue 26): 200 long hosts made a 52.7 KB header that proxies refuse. Instance names are
 * bounded, a page allows a bounded number of frame origins, a reader is told which instance an
 * embed loads from, and an operator may name the instances.
 */

/** A host name of exactly `length` characters, unique by `n`: labels of at most 63. */
const hostOf = (n: number, length: number) => {
  const tail = `-${n}.example`;
  const body = "h".repeat(length - tail.length);
  return (body.length > 60 ? `${body.slice(0, 60)}.${body.slice(61)}` : body) + tail;
};
const post = (host: string, id = 1) => ({ type: "embed", provider: "mastodon", url: `https://${host}/@newsroom/${id}` }) as const;

afterEach(() => limitMastodonInstances(undefined));

describe("Mastodon instances", () => {
  it("takes host names up to MASTODON_HOST_MAX characters, no longer, and frames none longer", () => {
    expect(hostOf(1, MASTODON_HOST_MAX)).toHaveLength(MASTODON_HOST_MAX);
    expect(recognizeEmbed(`https://${hostOf(1, MASTODON_HOST_MAX)}/@a/1`)?.provider).toBe("mastodon");
    expect(recognizeEmbed(`https://${hostOf(1, MASTODON_HOST_MAX + 1)}/@a/1`)).toBeUndefined();
    expect(recognizeEmbed(`https://${hostOf(1, 250)}/@a/1`)).toBeUndefined();
    // One stored before the bound: shown as a link, never framed.
    expect(embedFrame(post(hostOf(1, MASTODON_HOST_MAX + 1)))).toBeUndefined();
    expect(embedFrame(post(hostOf(1, MASTODON_HOST_MAX)))).toBeDefined();
  });

  it("allows at most MAX_FRAME_ORIGINS frame origins per page: the platforms' first, then the instances most used", () => {
    const many = Array.from({ length: 200 }, (_, n) => ({ media: [post(hostOf(n, MASTODON_HOST_MAX))] }));
    const entries = [
      ...many,
      { media: [{ type: "embed", provider: "youtube", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" }] },
      // Three embeds on one instance and two on another: kept before the 200 used once.
      { media: [post("mastodon.social", 1), post("mastodon.social", 2), post("mastodon.social", 3), post("chaos.social", 1), post("chaos.social", 2)] },
    ];
    const origins = frameOrigins(entries as never);
    expect(origins).toHaveLength(MAX_FRAME_ORIGINS);
    expect(origins).toEqual([...origins].sort());
    expect(origins).toEqual(expect.arrayContaining(["https://www.youtube-nocookie.com", "https://mastodon.social", "https://chaos.social"]));
    // The header this makes stays far below what proxies take (nginx: 4–8 KB).
    expect(`frame-src ${origins.join(" ")}`.length).toBeLessThan(2048);
    // The same entries give the same origins whatever their order (server render and browser agree).
    expect(frameOrigins([...entries].reverse() as never)).toEqual(origins);
  });

  it("names the instance wherever the platform is named to a reader", () => {
    expect(embedSourceName(post("mastodon.social"))).toBe("Mastodon (mastodon.social)");
    expect(embedSourceName({ provider: "x", url: "https://x.com/a/status/1" })).toBe("X");
  });

  it("takes only the instances MASTODON_INSTANCES names, when set, and says which it takes", () => {
    const parse = (url: string) => EmbedInput.safeParse({ type: "embed", url });
    expect(parse("https://chaos.social/@a/1").success).toBe(true);
    limitMastodonInstances(["mastodon.social", "social.example.org"]);
    const refused = parse("https://chaos.social/@a/1");
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ["url"], message: expect.stringContaining("chaos.social, which is not one of the Mastodon servers this site shows posts from (mastodon.social, social.example.org)") });
    expect(parse("https://mastodon.social/@a/1").data).toEqual({ type: "embed", provider: "mastodon", url: "https://mastodon.social/@a/1" });
    // Other platforms are not affected.
    expect(parse("https://x.com/a/status/1").success).toBe(true);
  });
});
