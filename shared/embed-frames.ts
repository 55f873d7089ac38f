import { MASTODON_HOST_MAX } from "./embeds.js";
import { EMBED_PROVIDERS, type EmbedProvider } from "./media-constants.js";
import type { EmbedItem } from "./media.js";
import type { Entry } from "./story.js";

/**
 * How an embed (shared/media.ts EmbedItem, its URL already canonical: see shared/embeds.ts) is
 * shown once a reader asks for it: the platform's own player or post page in an iframe. Pure, so the
 * server computes the page's CSP `frame-src` from the same function the browser builds the iframe
 * with, and the two cannot disagree.
 */
export interface EmbedFrame {
  /** The iframe's `src`. */
  src: string;
  /** The origin `src` loads from: what the page's CSP `frame-src` must allow, exactly. */
  origin: string;
  /** A video keeps its aspect ratio; a post starts at a fixed height, until its platform says its own (shared/frame-heights.ts). */
  shape: { aspectRatio: string } | { height: number; maxWidth: number };
  /** The iframe's `allow` (Permissions Policy): only what playing a video needs, nothing for posts. */
  allow: string;
  /**
   * The iframe's `referrerpolicy`. Players that refuse to play without knowing the embedding site
   * (YouTube's "error 153", Vimeo's domain-restricted videos) get the page's origin; posts get nothing.
   */
  referrerPolicy: "strict-origin-when-cross-origin" | "no-referrer";
}

/**
 * The iframe's `sandbox`: the platform's scripts run in its own origin (they need its storage), links
 * open in a new tab unsandboxed; no top navigation, no forms, no downloads, no modals.
 */
export const EMBED_SANDBOX = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-presentation";

const VIDEO = { shape: { aspectRatio: "16 / 9" }, allow: "fullscreen; picture-in-picture", referrerPolicy: "strict-origin-when-cross-origin" } as const;
const post = (height: number, maxWidth = 550) => ({ shape: { height, maxWidth }, allow: "", referrerPolicy: "no-referrer" }) as const;

/** Ids and names that are safe in a path or query without escaping (and all that platforms use). */
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
const DIGITS = /^[0-9]{1,32}$/;
/** A Bluesky DID (did:plc:… or did:web:…); a handle would need a lookup the embed page cannot make. */
const DID = /^did:(plc:[a-z2-7]{24}|web:[a-z0-9.-]{1,253})$/;

function parse(url: string): URL | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" && !parsed.username && !parsed.password && !parsed.port ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The path's segments, without empty ones (a trailing slash). */
const segments = (url: URL) => url.pathname.split("/").filter(Boolean).map(decodeURIComponent);

type Builder = (url: URL) => Omit<EmbedFrame, "origin"> | undefined;

const BUILDERS: Record<EmbedProvider, Builder> = {
  youtube(url) {
    const id = url.searchParams.get("v");
    const start = url.searchParams.get("t");
    if (url.host !== "www.youtube.com" || url.pathname !== "/watch" || !id || !TOKEN.test(id) || (start !== null && !DIGITS.test(start))) return undefined;
    return { src: `https://www.youtube-nocookie.com/embed/${id}${start ? `?start=${start}` : ""}`, ...VIDEO };
  },
  vimeo(url) {
    const [id, ...rest] = segments(url);
    if (url.host !== "vimeo.com" || !id || !DIGITS.test(id) || rest.length > 0) return undefined;
    return { src: `https://player.vimeo.com/video/${id}?dnt=1`, ...VIDEO };
  },
  x(url) {
    const [user, status, id] = segments(url);
    if (url.host !== "x.com" || !user || !TOKEN.test(user) || status !== "status" || !id || !DIGITS.test(id)) return undefined;
    return { src: `https://platform.twitter.com/embed/Tweet.html?id=${id}&dnt=true`, ...post(600) };
  },
  bluesky(url) {
    const [profile, actor, postWord, id] = segments(url);
    if (url.host !== "bsky.app" || profile !== "profile" || !actor || !DID.test(actor) || postWord !== "post" || !id || !TOKEN.test(id)) return undefined;
    return { src: `https://embed.bsky.app/embed/${actor}/app.bsky.feed.post/${id}`, ...post(450) };
  },
  mastodon(url) {
    const [user, id, ...rest] = segments(url);
    // Any instance: its host becomes a frame origin of the page's CSP, so it must be a plain DNS name, and a short one.
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(url.host) || url.host.length > MASTODON_HOST_MAX || !user || !/^@[A-Za-z0-9_]{1,64}$/.test(user) || !id || !DIGITS.test(id) || rest.length > 0) return undefined;
    return { src: `https://${url.host}/${user}/${id}/embed`, ...post(450) };
  },
  telegram(url) {
    const [channel, id, ...rest] = segments(url);
    if (url.host !== "t.me" || !channel || !/^[A-Za-z0-9_]{4,64}$/.test(channel) || !id || !DIGITS.test(id) || rest.length > 0) return undefined;
    return { src: `https://t.me/${channel}/${id}?embed=1`, ...post(450) };
  },
  instagram(url) {
    const [kind, id, ...rest] = segments(url);
    if (url.host !== "www.instagram.com" || (kind !== "p" && kind !== "reel") || !id || !TOKEN.test(id) || rest.length > 0) return undefined;
    return { src: `https://www.instagram.com/${kind}/${id}/embed`, ...post(680, 540) };
  },
  tiktok(url) {
    const [user, video, id, ...rest] = segments(url);
    if (url.host !== "www.tiktok.com" || !user?.startsWith("@") || video !== "video" || !id || !DIGITS.test(id) || rest.length > 0) return undefined;
    return { src: `https://www.tiktok.com/embed/v2/${id}`, ...post(740, 340), allow: "fullscreen; picture-in-picture", referrerPolicy: "strict-origin-when-cross-origin" };
  },
  threads(url) {
    const [user, postWord, code, ...rest] = segments(url);
    if (url.host !== "www.threads.com" || !user || !/^@[A-Za-z0-9_.]{1,32}$/.test(user) || postWord !== "post" || !code || !TOKEN.test(code) || rest.length > 0) return undefined;
    return { src: `https://www.threads.com/${user}/post/${code}/embed`, ...post(600, 540) };
  },
  facebook(url) {
    if (url.host !== "www.facebook.com") return undefined;
    const plugin = isFacebookVideo(url) ? "video" : "post";
    const frame = plugin === "video" ? VIDEO : post(600, 500);
    return { src: `https://www.facebook.com/plugins/${plugin}.php?href=${encodeURIComponent(url.href)}`, ...frame };
  },
};

function isFacebookVideo(url: URL): boolean {
  const [first, second] = segments(url);
  return first === "watch" || first === "reel" || second === "videos";
}

/**
 * The frame that shows `item`, or undefined when the platform offers none for this URL (a Bluesky
 * post named by handle rather than DID) or the URL is not the canonical form: then readers get a link.
 */
export function embedFrame(item: Pick<EmbedItem, "provider" | "url">): EmbedFrame | undefined {
  const url = parse(item.url);
  const built = url && BUILDERS[item.provider]?.(url);
  return built && { ...built, origin: new URL(built.src).origin };
}

/** Whether `item` plays as a video (the button says "Show YouTube video") or shows a post. */
export function isVideo(item: Pick<EmbedItem, "provider" | "url">): boolean {
  if (item.provider === "youtube" || item.provider === "vimeo" || item.provider === "tiktok") return true;
  const url = item.provider === "facebook" ? parse(item.url) : undefined;
  return url !== undefined && isFacebookVideo(url);
}


/**
 * The most frame origins one page allows. The platforms' own are 9; the rest are Mastodon instances,
 * any number of which a story could name: each lengthens the CSP header, which proxies refuse past
 * 4–8 KB (nginx answers 502), so embeds past this show as links.
 */
export const MAX_FRAME_ORIGINS = 16;

/**
 * The frame origins the given entries' embeds need, sorted and without repeats: what a page that
 * shows them lists in its CSP `frame-src`, and nothing else. At most MAX_FRAME_ORIGINS: the
 * platforms' own first, then the Mastodon instances the most embeds use (by name on a tie).
 */
export function frameOrigins(entries: Iterable<Pick<Entry, "media">>): string[] {
  const uses = new Map<string, { embeds: number; platform: boolean }>();
  for (const entry of entries) {
    for (const item of entry.media ?? []) {
      if (item.type !== "embed") continue;
      const frame = embedFrame(item);
      if (!frame) continue;
      const use = uses.get(frame.origin) ?? { embeds: 0, platform: item.provider !== "mastodon" };
      uses.set(frame.origin, { ...use, embeds: use.embeds + 1 });
    }
  }
  return [...uses]
    .sort(([a, x], [b, y]) => Number(y.platform) - Number(x.platform) || y.embeds - x.embeds || (a < b ? -1 : 1))
    .slice(0, MAX_FRAME_ORIGINS)
    .map(([origin]) => origin)
    .sort();
}

/**
 * Who a reader would load an embed from, as the consent button and the link name it: the platform,
 * and for Mastodon, whose instances anyone can run, the instance too ("Mastodon (mastodon.social)").
 */
export function embedSourceName(item: Pick<EmbedItem, "provider" | "url">): string {
  const name = EMBED_PROVIDERS[item.provider];
  const url = item.provider === "mastodon" ? parse(item.url) : undefined;
  return url ? `${name} (${url.host})` : name;
}
