import { resolve } from "node:path";
import { z } from "zod";
import { isMastodonHost, MASTODON_HOST_MAX } from "../shared/embeds.js";
import { pushContactRefusal, pushServicesRefusal } from "../shared/push-services.js";
import { DEFAULT_PUSH_SERVICES } from "../shared/push-subscription.js";
import type { QuestionSettings } from "./questions/question-settings.js";
import { canonicalLanguage, DEFAULT_LANGUAGE, LANGUAGE_MESSAGE, MAX_LANGUAGE_TAG_LENGTH } from "../shared/language.js";
import { LATEST_VIEW_ENTRIES } from "../shared/view-names.js";
import type { SharedCache } from "./http/shared-cache.js";
import type { SubscriptionCaps } from "./push/subscription-caps.js";

/** A whole-number limit between `min` and `max`; the bounds keep a typo from disarming or choking the server. */
const limit = (fallback: number, min: number, max: number) =>
  z.coerce
    .number()
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

/** A secret sent as `Authorization: Bearer`. */
const bearerToken = z
  .string()
  .min(16, "must be at least 16 characters")
  // The Authorization header parser accepts only these, so any other token could never sign in.
  .regex(/^[\x21-\x7E]*$/, "may contain only visible ASCII characters (no spaces, control characters or non-ASCII letters)")
  .optional();

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// URL").optional(),
  /** The Redis stream the nodes of one installation share; two installations on one Redis differ here. */
  REDIS_STREAM: z.string().regex(/^[\w:.-]{1,100}$/, "letters, digits, _ : . - only").default("live-ticker"),
  PUBLIC_URL: z.url().optional(),
  /** Origins a Web Push subscription's endpoint may have (comma- or space-separated). */
  PUSH_SERVICES: z
    .string()
    .transform((list) => list.split(/[\s,]+/).filter(Boolean))
    .superRefine((origins, context) => {
      const refusal = pushServicesRefusal(origins);
      if (refusal) context.addIssue({ code: "custom", message: refusal });
    })
    .optional(),
  /** The VAPID `sub` claim: how a push service reaches the operator. */
  PUSH_CONTACT: z
    .string()
    .superRefine((contact, context) => {
      const refusal = pushContactRefusal(contact);
      if (refusal) context.addIssue({ code: "custom", message: refusal });
    })
    .optional(),
  /** Alert subscriptions kept per story and in all: a many-address flood fills no disk. */
  MAX_PUSH_SUBSCRIPTIONS_PER_STORY: limit(1_000_000, 1, 100_000_000),
  MAX_PUSH_SUBSCRIPTIONS: limit(5_000_000, 1, 1_000_000_000),
  TICKER_ADMIN_TOKEN: bearerToken,
  /** Lets a scraper elsewhere read /metrics (which is open to this host only) as `Authorization: Bearer`. */
  METRICS_TOKEN: bearerToken,
  EMBED_ORIGINS: z.string().default("*"),
  // The interface language of pages that belong to no story (the story list, a 404, the desk's sign-in).
  SITE_LANGUAGE: z
    .string()
    .default(DEFAULT_LANGUAGE)
    .refine((tag) => tag.length <= MAX_LANGUAGE_TAG_LENGTH && canonicalLanguage(tag) !== undefined, LANGUAGE_MESSAGE)
    .transform((tag) => canonicalLanguage(tag)!),
  /** When set, the only hosts whose posts are taken as Mastodon embeds (comma- or space-separated). */
  MASTODON_INSTANCES: z
    .string()
    .transform((list) => list.toLowerCase().split(/[\s,]+/).filter(Boolean))
    .refine((hosts) => hosts.every(isMastodonHost), `must list host names (like mastodon.social) of at most ${MASTODON_HOST_MAX} characters`)
    .optional(),
  /** A providers file in the oembed.com `providers.json` format, replacing the registry the server ships. */
  OEMBED_PROVIDERS: z.string().min(1).optional(),
  /** `off`: embeds are saved as they are named, and the server fetches nothing for them. */
  EMBED_METADATA: z.enum(["on", "off"], "must be on or off").default("on"),
  /** Hosts or addresses (as URLs name them) the embed fetcher may reach although private, loopback or plain http. */
  EMBED_FETCH_ALLOW: z
    .string()
    .transform((list) => list.toLowerCase().split(/[\s,]+/).filter(Boolean).map((host) => host.replace(/^\[|\]$/g, "")))
    .optional(),
  /** Express "trust proxy": which proxies' X-Forwarded-For to believe (e.g. "loopback", "1"). */
  TRUST_PROXY: z.string().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** `auto`: readable lines on a terminal, JSON lines otherwise (server/log-output.ts). */
  LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
  DEMO_INTERVAL_MS: z.coerce.number().int("must be a whole number of milliseconds").min(0, "must not be negative").default(4000),
  // Limits (README "Limits"). A 10 000-character entry of 4-byte characters is 40 KB of JSON.
  MAX_JSON_BODY_BYTES: limit(64 * 1024, 1024, 1024 * 1024),
  // `POST …/entries/batch`: 500 entries of a wire feed or an archive, typically 0.5–2 KB each as
  // JSON; 500 of the longest ASCII bodies are ~5 MB (importers split by bytes as well as by count).
  MAX_BATCH_BODY_BYTES: limit(8 * 1024 * 1024, 64 * 1024, 64 * 1024 * 1024),
  // A phone's photo is 2–8 MB; a camera's full-size JPEG rarely passes 20 MB.
  MAX_UPLOAD_BYTES: limit(20 * 1024 * 1024, 1024, 200 * 1024 * 1024),
  // Per account, whatever its role (the admin token counts as one): the review saw one contributor
  // add ~18 GB an hour. A busy photographer files a few dozen photos a day; one image's nine
  // variants take ~0.3–1 MB.
  MEDIA_UPLOADS_PER_DAY: limit(200, 1, 100_000),
  MEDIA_MB_PER_ACCOUNT: limit(2048, 1, 10_000_000),
  // An upload never published, that no open draft or scheduled entry shows, is deleted once this
  // old: the time between uploading a photo and saving the entry or draft that shows it (minutes,
  // or a composer left open over a weekend).
  MEDIA_UNREFERENCED_HOURS: limit(72, 1, 24 * 365),
  // Readers' questions (issue 36; docs/reader-questions.md). A reader asks one or two questions
  // about a story; a crowd on one story after an alert asks hundreds a minute, most of them the same.
  QUESTIONS_PER_ADDRESS: limit(5, 1, 1000),
  QUESTIONS_PER_STORY_PER_MINUTE: limit(300, 1, 100_000),
  QUESTIONS_MAX_PENDING: limit(5000, 1, 1_000_000),
  QUESTIONS_RETENTION_DAYS: limit(30, 1, 3650),
  // Uploads waiting for a decode child; each holds its body (at most MAX_UPLOAD_BYTES) meanwhile.
  UPLOAD_QUEUE_LENGTH: limit(20, 1, 1000),
  // A decode child's memory (ulimit -d): a 16 Mpx AVIF (the largest taken) needs ~600 MB; below ~384 an ordinary photo fails.
  UPLOAD_WORKER_MEMORY_MB: limit(640, 512, 16 * 1024),
  // An ordinary photo takes ~0.2 s, the largest AVIF taken ~10 s on a loaded 2-core machine.
  UPLOAD_WORKER_TIMEOUT_SECONDS: limit(30, 1, 600),
  MAX_ENTRIES_PER_STORY: limit(2000, 1, 100_000),
  // A feed of 50 entries is ~50 KB; feed readers poll it every few minutes.
  FEED_ENTRIES: limit(50, 1, 500),
  MAX_STORIES: limit(1000, 1, 1_000_000),
  // Socket.IO's own default is 1 MB; nothing a reader sends comes near 1 KB.
  MAX_SOCKET_MESSAGE_BYTES: limit(16 * 1024, 1024, 1024 * 1024),
  MAX_SUBSCRIPTIONS_PER_SOCKET: limit(50, 1, 10_000),
  // Thousands of mobile readers share one IPv4 address behind carrier-grade NAT, and an idle socket
  // costs ~10 KB: the cap stops one address from holding the node's file descriptors, not from
  // working it; what an address may cost is budgeted by the IP_* rates and MAX_QUEUED_BYTES_PER_IP.
  MAX_SOCKETS_PER_IP: limit(5000, 1, 1_000_000),
  // A CGNAT address's crowd arriving after a push notification: ~100 new connections a second.
  IP_CONNECT_BURST: limit(300, 1, 1_000_000),
  IP_CONNECTS_PER_MINUTE: limit(6000, 1, 60_000_000),
  // Each reader page follows one story, so subscriptions come at about the connections' pace.
  IP_SUBSCRIBE_BURST: limit(500, 1, 1_000_000),
  IP_SUBSCRIBES_PER_MINUTE: limit(6000, 1, 60_000_000),
  // What may wait in this node's memory for one address's readers (a reader reads its snapshot at once).
  MAX_QUEUED_BYTES_PER_IP: limit(32 * 1024 * 1024, 64 * 1024, 4 * 1024 * 1024 * 1024),
  // The latest view's newest entries (DESIGN.md §4): what a reader page, the ticker and the embed get.
  LATEST_VIEW_ENTRIES: limit(LATEST_VIEW_ENTRIES.default, LATEST_VIEW_ENTRIES.min, LATEST_VIEW_ENTRIES.max),
  // A reader subscribes once per story it shows, and again after a reconnect (a new socket, a full bucket).
  SOCKET_EVENT_BURST: limit(100, 1, 100_000),
  SOCKET_EVENTS_PER_MINUTE: limit(60, 1, 1_000_000),
  WRITES_PER_MINUTE: limit(120, 1, 1_000_000),
  // The admin token is automation (a wire feed, an import), not a person at a desk: it may be given
  // its own budget; unset, it has a person's (WRITES_PER_MINUTE).
  ADMIN_TOKEN_WRITES_PER_MINUTE: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(1_000_000, "must be at most 1000000").optional(),
  LOGIN_FAILURES_PER_ACCOUNT: limit(5, 1, 1000),
  LOGIN_FAILURES_PER_ACCOUNT_TOTAL: limit(50, 1, 100_000),
  LOGIN_FAILURES_PER_IP: limit(30, 1, 100_000),
  LOGIN_LOCKOUT_MINUTES: limit(15, 1, 24 * 60),
  // How long a shared cache (a CDN) may serve a reader page, story JSON or feed without asking, and
  // then serve it stale while it asks: the lag a CDN adds to a reader's first paint, not to updates.
  CACHE_S_MAXAGE: limit(5, 0, 24 * 60 * 60),
  CACHE_STALE_WHILE_REVALIDATE: limit(60, 0, 7 * 24 * 60 * 60),
  // Bodies of given versions (`?version=N`) kept encoded: 100 versions of a 1 MB story are ~50 MB.
  VERSION_CACHE_MB: limit(64, 0, 64 * 1024),
});

/** What one client, one story or one instance may use; each is refused with a 4xx error or an error ack past it. */
export interface Limits {
  jsonBodyBytes: number;
  /** `POST …/entries/batch`'s body, larger than any other JSON body. */
  batchBodyBytes: number;
  /** `POST /api/media`: the most bytes an uploaded image may have. */
  uploadBytes: number;
  /** Images one account may store in any 24 hours (taken-down ones count; the same bytes again do not). */
  uploadsPerDay: number;
  /** Bytes of stored variants one account's images may take in all. */
  mediaBytesPerAccount: number;
  /** Uploads waiting for their turn to be processed, all accounts together. */
  uploadQueueLength: number;
  /** Each decode child's memory limit and one upload's processing time (server/media/decode-pool.ts). */
  uploadWorkerMemoryBytes: number;
  uploadWorkerTimeoutMs: number;
  entriesPerStory: number;
  stories: number;
  socketMessageBytes: number;
  subscriptionsPerSocket: number;
  /** Open sockets per client address, on each node. */
  socketsPerAddress: number;
  /** New sockets one client address may open at once, and then per minute, on each node. */
  connectBurstPerAddress: number;
  connectsPerMinutePerAddress: number;
  /** Stories one client address may subscribe to (handshake or `subscribe`) at once, and then per minute. */
  subscribeBurstPerAddress: number;
  subscribesPerMinutePerAddress: number;
  /** Bytes queued for one address's sockets before its join answers and fan-outs wait for them to drain. */
  queuedBytesPerAddress: number;
  /** Events (subscribe, unsubscribe, anything) one socket may send at once, and then per minute. */
  socketEventBurst: number;
  socketEventsPerMinute: number;
  /** REST writes per account per minute (an API token made with its own `writesPerMinute` has that instead). */
  writesPerMinute: number;
  /** REST writes of the admin token per minute. */
  adminTokenWritesPerMinute: number;
  /** Failed passwords per account name and client address. */
  loginFailuresPerAccount: number;
  /** Failed passwords per account name from all addresses together. */
  loginFailuresPerAccountTotal: number;
  loginFailuresPerAddress: number;
  loginLockoutSeconds: number;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  /** From `?schema=` on DATABASE_URL (which is kept without it); default `public`. */
  databaseSchema?: string;
  redisUrl?: string;
  redisStream: string;
  trustProxy?: string;
  publicUrl: string;
  adminToken?: string;
  /** Grants `GET /metrics` from other hosts. */
  metricsToken?: string;
  /** `*` or a list of origins allowed to open sockets and frame the widget. */
  embedOrigins: "*" | string[];
  /** MASTODON_INSTANCES: the only Mastodon hosts embeds may name; undefined for any. */
  mastodonInstances?: string[];
  /** Where embeds' oEmbed is asked for, and whether at all (server/embeds/). */
  embedMetadata: { enabled: boolean; providersFile?: string; fetchAllow: string[] };
  logLevel: z.infer<typeof Env>["LOG_LEVEL"];
  logFormat: z.infer<typeof Env>["LOG_FORMAT"];
  /** Pause between updates of `--demo`'s live replay. */
  demoIntervalMs: number;
  /** SITE_LANGUAGE: the `lang` and interface language of pages that belong to no story, in canonical form. */
  siteLanguage: string;
  /** LATEST_VIEW_ENTRIES: how many of the newest unpinned entries the latest view holds, and a page of the reader's page. */
  latestViewEntries: number;
  /** Shared-cache lifetimes of what every reader of a version gets alike (server/http/shared-cache.ts). */
  sharedCache: SharedCache;
  /** How many of a story's newest entries its feeds carry. */
  feedEntries: number;
  /** How old an upload never published, that no open draft or scheduled entry shows, may get before it is deleted. */
  mediaUnreferencedMs: number;
  /** Bytes of given versions' JSON bodies kept encoded (server/http/version-bodies.ts). */
  versionCacheBytes: number;
  /** Readers' questions (issue 36): their limits and how long they are kept. */
  questions: QuestionSettings;
  /** Web Push (issue 33): origins endpoints may have; the VAPID contact, absent when none usable is known (alerts are then off). */
  push: { services: readonly string[]; contact?: string; caps: SubscriptionCaps };
  limits: Limits;
}

/** Reads DESIGN.md §2's environment variables; throws one readable error listing every bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const origins = e.EMBED_ORIGINS.trim();
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.DATA_DIR),
    ...databaseSettings(e.DATABASE_URL),
    redisUrl: e.REDIS_URL,
    redisStream: e.REDIS_STREAM,
    trustProxy: e.TRUST_PROXY,
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST.includes(":") ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(/\/+$/, ""),
    adminToken: e.TICKER_ADMIN_TOKEN,
    metricsToken: e.METRICS_TOKEN,
    embedOrigins: origins === "*" ? "*" : origins.split(/[\s,]+/).filter(Boolean),
    mastodonInstances: e.MASTODON_INSTANCES,
    embedMetadata: { enabled: e.EMBED_METADATA === "on", ...(e.OEMBED_PROVIDERS ? { providersFile: resolve(e.OEMBED_PROVIDERS) } : {}), fetchAllow: e.EMBED_FETCH_ALLOW ?? [] },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    demoIntervalMs: e.DEMO_INTERVAL_MS,
    siteLanguage: e.SITE_LANGUAGE,
    latestViewEntries: e.LATEST_VIEW_ENTRIES,
    sharedCache: { sMaxAgeSeconds: e.CACHE_S_MAXAGE, staleWhileRevalidateSeconds: e.CACHE_STALE_WHILE_REVALIDATE },
    feedEntries: e.FEED_ENTRIES,
    mediaUnreferencedMs: e.MEDIA_UNREFERENCED_HOURS * 60 * 60 * 1000,
    versionCacheBytes: e.VERSION_CACHE_MB * 1024 * 1024,
    push: { ...pushSettings(e.PUSH_SERVICES, e.PUSH_CONTACT, e.PUBLIC_URL), caps: { perStory: e.MAX_PUSH_SUBSCRIPTIONS_PER_STORY, total: e.MAX_PUSH_SUBSCRIPTIONS } },
    questions: {
      perAddress: e.QUESTIONS_PER_ADDRESS,
      perStoryPerMinute: e.QUESTIONS_PER_STORY_PER_MINUTE,
      maxPending: e.QUESTIONS_MAX_PENDING,
      retentionMs: e.QUESTIONS_RETENTION_DAYS * 24 * 60 * 60 * 1000,
    },
    limits: {
      jsonBodyBytes: e.MAX_JSON_BODY_BYTES,
      batchBodyBytes: e.MAX_BATCH_BODY_BYTES,
      uploadBytes: e.MAX_UPLOAD_BYTES,
      uploadsPerDay: e.MEDIA_UPLOADS_PER_DAY,
      mediaBytesPerAccount: e.MEDIA_MB_PER_ACCOUNT * 1024 * 1024,
      uploadQueueLength: e.UPLOAD_QUEUE_LENGTH,
      uploadWorkerMemoryBytes: e.UPLOAD_WORKER_MEMORY_MB * 1024 * 1024,
      uploadWorkerTimeoutMs: e.UPLOAD_WORKER_TIMEOUT_SECONDS * 1000,
      entriesPerStory: e.MAX_ENTRIES_PER_STORY,
      stories: e.MAX_STORIES,
      socketMessageBytes: e.MAX_SOCKET_MESSAGE_BYTES,
      subscriptionsPerSocket: e.MAX_SUBSCRIPTIONS_PER_SOCKET,
      socketsPerAddress: e.MAX_SOCKETS_PER_IP,
      connectBurstPerAddress: e.IP_CONNECT_BURST,
      connectsPerMinutePerAddress: e.IP_CONNECTS_PER_MINUTE,
      subscribeBurstPerAddress: e.IP_SUBSCRIBE_BURST,
      subscribesPerMinutePerAddress: e.IP_SUBSCRIBES_PER_MINUTE,
      queuedBytesPerAddress: e.MAX_QUEUED_BYTES_PER_IP,
      socketEventBurst: e.SOCKET_EVENT_BURST,
      socketEventsPerMinute: e.SOCKET_EVENTS_PER_MINUTE,
      writesPerMinute: e.WRITES_PER_MINUTE,
      adminTokenWritesPerMinute: e.ADMIN_TOKEN_WRITES_PER_MINUTE ?? e.WRITES_PER_MINUTE,
      loginFailuresPerAccount: e.LOGIN_FAILURES_PER_ACCOUNT,
      loginFailuresPerAccountTotal: e.LOGIN_FAILURES_PER_ACCOUNT_TOTAL,
      loginFailuresPerAddress: e.LOGIN_FAILURES_PER_IP,
      loginLockoutSeconds: e.LOGIN_LOCKOUT_MINUTES * 60,
    },
  };
}

function databaseSettings(url: string | undefined): Pick<Config, "databaseUrl" | "databaseSchema"> {
  if (!url) return { databaseUrl: undefined };
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema");
  if (schema === null) return { databaseUrl: url };
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error("Invalid configuration: DATABASE_URL: ?schema= must be a lowercase identifier");
  parsed.searchParams.delete("schema");
  return { databaseUrl: parsed.toString(), databaseSchema: schema };
}

/**
 * PUSH_SERVICES (the major browsers' push services by default) and the VAPID contact: PUSH_CONTACT,
 * or else PUBLIC_URL when it is an https address other than a loopback one. Without either, no
 * contact any push service would take is known, and alerts are off.
 */
function pushSettings(services: string[] | undefined, contact: string | undefined, publicUrl: string | undefined): Omit<Config["push"], "caps"> {
  const fallback = publicUrl && pushContactRefusal(publicUrl) === undefined ? new URL(publicUrl).origin : undefined;
  const chosen = contact ?? fallback;
  return { services: services ?? DEFAULT_PUSH_SERVICES, ...(chosen ? { contact: chosen } : {}) };
}
