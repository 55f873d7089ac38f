import { EMBED_PROVIDERS, type EmbedProvider } from "./media-constants.js";

/**
 * Recognizes a post or video on a supported platform from its URL alone: no request is made, so
 * posting works offline and nothing about the editor leaks to the platform. Each recognizer takes
 * the parsed URL and returns the canonical URL (the one form the reader apps build their iframe
 * from, and readers follow as a link), or undefined. Only https URLs on the platforms' own hosts
 * (any host for Mastodon, whose instances are many, unless the operator names them: see
 * limitMastodonInstances) with the exact path shapes of a single post or
 * video are taken; short links that need a redirect to find the post (vm.tiktok.com) are not.
 */

export interface RecognizedEmbed {
  provider: EmbedProvider;
  url: string;
}

/** What an editor is told when a URL is not recognized. */
export const SUPPORTED_EMBEDS_MESSAGE = `Paste the https link of a single post or video on ${Object.values(EMBED_PROVIDERS)
  .join(", ")
  .replace(/, ([^,]+)$/, " or $1")}.`;

const MAX_URL_LENGTH = 2000;

const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;
const DIGITS = /^[0-9]{1,25}$/;
const X_USER = /^[A-Za-z0-9_]{1,15}$/;
const TELEGRAM_CHANNEL = /^[A-Za-z][A-Za-z0-9_]{3,31}$/;
const INSTAGRAM_ID = /^[A-Za-z0-9_-]{5,64}$/;
/** A TikTok or Threads (Instagram) user name. */
const TIKTOK_USER = /^[A-Za-z0-9_.]{1,32}$/;
/** A Bluesky handle (a domain name) or a DID; a post's record key. */
const BLUESKY_ACTOR = /^(did:(plc|web):[A-Za-z0-9._:%-]{1,200}|[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+)$/;
const BLUESKY_POST = /^[A-Za-z0-9._~:-]{1,64}$/;
/** A Mastodon account, local (`user`) or remote (`user@other.host`). */
const MASTODON_USER = /^[A-Za-z0-9_]{1,64}(@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+)?$/;
const FACEBOOK_SEGMENT = /^[A-Za-z0-9._-]{1,100}$/;
const FACEBOOK_ID = /^(pfbid[A-Za-z0-9]{10,80}|[0-9]{1,25})$/;
/**
 * The longest Mastodon instance name taken. Real ones are short (mastodon.social, social.vivaldi.net);
 * each instance a page shows becomes a frame origin of its CSP, so a name is bounded well below DNS's 253.
 */
export const MASTODON_HOST_MAX = 100;
/** A public DNS name with a dot and no port: instances are named, never numbered. */
const HOST_NAME = new RegExp(`^(?=.{4,${MASTODON_HOST_MAX}}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$`);

/** The path's segments, without empty ones (so a trailing slash does not matter). */
const segmentsOf = (url: URL): string[] => url.pathname.split("/").filter(Boolean);

/** A YouTube start time as links write it (`t=42`, `t=42s`, `t=1h2m3s`, `start=42`), in seconds; undefined for none or nonsense. */
function youtubeStart(url: URL): number | undefined {
  const value = url.searchParams.get("t") ?? url.searchParams.get("start");
  const parts = value ? /^(?:(\d{1,2})h)?(?:(\d{1,4})m)?(?:(\d{1,6})s?)?$/.exec(value) : null;
  if (!parts || value === "") return undefined;
  const seconds = Number(parts[1] ?? 0) * 3600 + Number(parts[2] ?? 0) * 60 + Number(parts[3] ?? 0);
  return seconds > 0 && seconds < 100 * 3600 ? seconds : undefined;
}

function youtube(url: URL, host: string): string | undefined {
  const [first, second] = segmentsOf(url);
  let id: string | null | undefined;
  if (host === "youtu.be") id = first;
  else if (first === "watch") id = url.searchParams.get("v");
  else if (first && ["shorts", "embed", "live", "v"].includes(first)) id = second;
  if (!id || !YOUTUBE_ID.test(id)) return undefined;
  const start = youtubeStart(url);
  return `https://www.youtube.com/watch?v=${id}${start ? `&t=${start}` : ""}`;
}

function vimeo(url: URL, host: string): string | undefined {
  const segments = segmentsOf(url);
  // vimeo.com/ID, vimeo.com/channels/NAME/ID, vimeo.com/groups/NAME/videos/ID, player.vimeo.com/video/ID
  const id =
    host === "player.vimeo.com"
      ? segments[0] === "video" ? segments[1] : undefined
      : segments.find((segment, index) => DIGITS.test(segment) && (index === 0 || ["channels", "groups"].includes(segments[0]!)));
  return id && DIGITS.test(id) ? `https://vimeo.com/${id}` : undefined;
}

function x(url: URL): string | undefined {
  const segments = segmentsOf(url);
  // /USER/status/ID (also /statuses/, and /photo/1 or /video/1 after it); /i/web/status/ID
  const [user, kind, id] = segments[0] === "i" && segments[1] === "web" ? ["i", ...segments.slice(2)] : segments;
  if (!user || !id || (kind !== "status" && kind !== "statuses")) return undefined;
  if (!(X_USER.test(user) && DIGITS.test(id))) return undefined;
  return `https://x.com/${user}/status/${id}`;
}

function bluesky(url: URL): string | undefined {
  const [profile, actor, post, id] = segmentsOf(url);
  if (profile !== "profile" || post !== "post" || !actor || !id) return undefined;
  return BLUESKY_ACTOR.test(actor) && BLUESKY_POST.test(id) ? `https://bsky.app/profile/${actor}/post/${id}` : undefined;
}

function telegram(url: URL): string | undefined {
  const segments = segmentsOf(url);
  // t.me/CHANNEL/ID and its web preview t.me/s/CHANNEL/ID; t.me/c/… is a private chat
  const [channel, id] = segments[0] === "s" ? segments.slice(1) : segments;
  if (!channel || !id || channel === "c") return undefined;
  return TELEGRAM_CHANNEL.test(channel) && DIGITS.test(id) ? `https://t.me/${channel}/${id}` : undefined;
}

function instagram(url: URL): string | undefined {
  const segments = segmentsOf(url);
  // /p/ID/, /reel/ID/, /reels/ID/, /tv/ID/, and the same after a user name: /USER/p/ID/
  const at = segments.findIndex((segment) => ["p", "reel", "reels", "tv"].includes(segment));
  if (at < 0 || at > 1) return undefined;
  const kind = segments[at] === "reel" || segments[at] === "reels" ? "reel" : "p";
  const id = segments[at + 1];
  return id && INSTAGRAM_ID.test(id) ? `https://www.instagram.com/${kind}/${id}/` : undefined;
}

function tiktok(url: URL): string | undefined {
  const [user, video, id] = segmentsOf(url);
  if (!user?.startsWith("@") || video !== "video" || !id) return undefined;
  const name = user.slice(1);
  return TIKTOK_USER.test(name) && DIGITS.test(id) ? `https://www.tiktok.com/@${name}/video/${id}` : undefined;
}

function facebook(url: URL, host: string): string | undefined {
  const segments = segmentsOf(url);
  if (host === "fb.watch") return segments.length === 1 && FACEBOOK_SEGMENT.test(segments[0]!) ? `https://fb.watch/${segments[0]}/` : undefined;
  const base = "https://www.facebook.com";
  const query = (name: string) => url.searchParams.get(name);
  const [first, second, third, fourth] = segments;
  if (!first || !segments.every((segment) => FACEBOOK_SEGMENT.test(segment))) return undefined;
  // /watch/?v=ID and /watch?v=ID
  if (first === "watch" && segments.length === 1) {
    const id = query("v");
    return id && DIGITS.test(id) ? `${base}/watch/?v=${id}` : undefined;
  }
  // /reel/ID
  if (first === "reel" && segments.length === 2) return DIGITS.test(second!) ? `${base}/reel/${second}` : undefined;
  // /photo.php?fbid=ID, /photo/?fbid=ID
  if ((first === "photo.php" || first === "photo") && segments.length === 1) {
    const id = query("fbid");
    return id && DIGITS.test(id) ? `${base}/photo/?fbid=${id}` : undefined;
  }
  // /permalink.php?story_fbid=ID&id=PAGE and /story.php?…
  if ((first === "permalink.php" || first === "story.php") && segments.length === 1) {
    const story = query("story_fbid");
    const page = query("id");
    return story && page && FACEBOOK_ID.test(story) && DIGITS.test(page) ? `${base}/permalink.php?story_fbid=${story}&id=${page}` : undefined;
  }
  // /PAGE/posts/ID, /PAGE/videos/ID, /PAGE/videos/TITLE/ID, /PAGE/photos/ALBUM/ID
  if (second === "posts" && segments.length === 3 && FACEBOOK_ID.test(third!)) return `${base}/${first}/posts/${third}`;
  if (second === "videos" && segments.length === 3 && DIGITS.test(third!)) return `${base}/${first}/videos/${third}`;
  if (second === "videos" && segments.length === 4 && DIGITS.test(fourth!)) return `${base}/${first}/videos/${third}/${fourth}`;
  if (second === "photos" && segments.length === 4 && DIGITS.test(fourth!)) return `${base}/${first}/photos/${third}/${fourth}`;
  return undefined;
}

/** A Threads post's code: letters, digits, `_` and `-`. */
const THREADS_POST = /^[A-Za-z0-9_-]{5,64}$/;

function threads(url: URL): string | undefined {
  // threads.net and threads.com (its new name): /@USER/post/CODE
  const [user, post, code, ...rest] = segmentsOf(url);
  if (!user?.startsWith("@") || post !== "post" || !code || rest.length > 0) return undefined;
  const name = user.slice(1);
  return TIKTOK_USER.test(name) && THREADS_POST.test(code) ? `https://www.threads.com/@${name}/post/${code}` : undefined;
}

/** Whether `host` can name a Mastodon instance: a short public DNS name that is not another platform's. */
export function isMastodonHost(host: string): boolean {
  return HOST_NAME.test(host) && !Object.hasOwn(BY_HOST, host);
}

/** MASTODON_INSTANCES: when set, the only hosts taken as Mastodon instances. */
let mastodonInstances: ReadonlySet<string> | undefined;

/**
 * Takes only `hosts` as Mastodon instances from now on (undefined: any DNS name, the default). The
 * server sets it from MASTODON_INSTANCES as it starts; the desk, which does not know the list,
 * keeps the default and learns of a refused instance from the server's 400.
 */
export function limitMastodonInstances(hosts: readonly string[] | undefined): void {
  mastodonInstances = hosts && new Set(hosts);
}

/** Why an otherwise well-formed Mastodon link is refused, when its instance is not in the operator's list. */
export function mastodonInstanceRefusal(url: string): string | undefined {
  const host = new URL(url).host;
  if (!mastodonInstances || mastodonInstances.has(host)) return undefined;
  return `is on ${host}, which is not one of the Mastodon servers this site shows posts from (${[...mastodonInstances].join(", ")}).`;
}

function mastodon(url: URL, host: string): string | undefined {
  if (!HOST_NAME.test(host)) return undefined;
  const segments = segmentsOf(url);
  // https://HOST/@USER/ID, and the ActivityPub form https://HOST/users/USER/statuses/ID
  let user: string | undefined;
  let id: string | undefined;
  if (segments.length === 2 && segments[0]!.startsWith("@")) [user, id] = [segments[0]!.slice(1), segments[1]];
  else if (segments.length === 4 && segments[0] === "users" && segments[2] === "statuses") [user, id] = [segments[1], segments[3]];
  if (!user || !id || !MASTODON_USER.test(user) || !DIGITS.test(id)) return undefined;
  return `https://${host}/@${user}/${id}`;
}

type Recognizer = (url: URL, host: string) => string | undefined;

/** The platforms' own hosts; any other host can only be a Mastodon instance. */
const BY_HOST: Record<string, [EmbedProvider, Recognizer]> = {};
const hosts = (provider: EmbedProvider, recognize: Recognizer, names: string[]) => {
  for (const name of names) BY_HOST[name] = [provider, recognize];
};
hosts("youtube", youtube, ["youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com", "www.youtube-nocookie.com", "youtu.be"]);
hosts("vimeo", vimeo, ["vimeo.com", "www.vimeo.com", "player.vimeo.com"]);
hosts("x", x, ["x.com", "www.x.com", "mobile.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"]);
hosts("bluesky", bluesky, ["bsky.app", "www.bsky.app"]);
hosts("telegram", telegram, ["t.me", "telegram.me", "www.telegram.me"]);
hosts("instagram", instagram, ["instagram.com", "www.instagram.com", "m.instagram.com"]);
hosts("tiktok", tiktok, ["tiktok.com", "www.tiktok.com", "m.tiktok.com"]);
hosts("threads", threads, ["threads.net", "www.threads.net", "threads.com", "www.threads.com"]);
hosts("facebook", facebook, ["facebook.com", "www.facebook.com", "m.facebook.com", "mobile.facebook.com", "web.facebook.com", "fb.watch"]);

/** The provider and canonical URL of `input`, or undefined if it is not a supported post or video. */
export function recognizeEmbed(input: string): RecognizedEmbed | undefined {
  const trimmed = input.trim();
  if (trimmed.length > MAX_URL_LENGTH || !URL.canParse(trimmed)) return undefined;
  const url = new URL(trimmed);
  // https only, on the default port, with no credentials: nothing else is a public post's address.
  if (url.protocol !== "https:" || url.port !== "" || url.username !== "" || url.password !== "") return undefined;
  const host = url.hostname.replace(/\.$/, "");
  const known = BY_HOST[host];
  if (known) {
    const canonical = known[1](url, host);
    return canonical ? { provider: known[0], url: canonical } : undefined;
  }
  const canonical = mastodon(url, host);
  return canonical ? { provider: "mastodon", url: canonical } : undefined;
}
