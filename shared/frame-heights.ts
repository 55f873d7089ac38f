import type { EmbedProvider } from "./media-constants.js";

/**
 * The heights a post's frame asks for, in each platform's own documented message (what its own
 * embed script listens for), so the frame fits the post instead of a fixed guess (issue 34). Pure:
 * the card checks the message came from its own frame's window and origin, and passes the data
 * here. Videos keep 16:9 and are never resized.
 */

/** A frame is never made smaller or larger than this, whatever a platform says. */
export const FRAME_HEIGHT_BOUNDS = { min: 80, max: 3000 } as const;

/** Some platforms post JSON text, some objects: both are read the same. */
function parsed(data: unknown): Record<string, unknown> | undefined {
  if (typeof data === "string") {
    if (data.length > 10_000) return undefined;
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  return typeof data === "object" && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
}

const record = (value: unknown) => (typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined);

type Reader = (message: Record<string, unknown>) => unknown;

const READERS: Partial<Record<EmbedProvider, Reader>> = {
  // platform.twitter.com: {"twttr.embed":{"method":"twttr.private.resize","params":[{"height":…,"width":…}]}}
  x: (message) => {
    const embed = record(message["twttr.embed"]);
    const params = Array.isArray(embed?.params) ? record(embed.params[0]) : undefined;
    return embed?.method === "twttr.private.resize" ? params?.height : undefined;
  },
  // www.instagram.com: {"type":"MEASURE","details":{"height":…}}
  instagram: (message) => (message.type === "MEASURE" ? record(message.details)?.height : undefined),
  // embed.bsky.app: {"id":…,"height":…}
  bluesky: (message) => message.height,
  // t.me: {"event":"resize","height":…}
  telegram: (message) => (message.event === "resize" ? message.height : undefined),
  // www.tiktok.com/embed/v2: {"signalSource":…,"height":…} (what its player posts; TikTok documents no format)
  tiktok: (message) => (typeof message.signalSource === "string" ? message.height : undefined),
  // Mastodon's /embed page answers the parent's {"type":"setHeight","id":…} with its height.
  mastodon: (message) => (message.type === "setHeight" ? message.height : undefined),
};

/** The height (px) a frame of `provider` asks for in `data`, bounded; undefined for any other message. */
export function frameHeightOf(provider: EmbedProvider, data: unknown): number | undefined {
  const reader = READERS[provider];
  const message = reader && parsed(data);
  const height = message && reader(message);
  if (typeof height !== "number" || !Number.isFinite(height) || height <= 0) return undefined;
  return Math.round(Math.min(FRAME_HEIGHT_BOUNDS.max, Math.max(FRAME_HEIGHT_BOUNDS.min, height)));
}

/** Mastodon's frame says its height only when asked, with this id: what the parent sends once it loads. */
export const MASTODON_HEIGHT_REQUEST = (id: number) => ({ type: "setHeight", id });
