import express from "express";
import { createServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { pino, type Logger } from "pino";
import { pinoHttp } from "pino-http";
import { Server } from "socket.io";
import { randomUUID } from "node:crypto";
import type { Config } from "./config.js";
import { limitMastodonInstances } from "../shared/embeds.js";
import { errorHandler, notFound } from "./http/errors.js";
import { healthRoutes } from "./http/health-routes.js";
import { securityHeaders } from "./http/security-headers.js";
import { compressText } from "./http/compression.js";
import { metricsRoutes, timeWrites } from "./http/metrics-routes.js";
import { WriteTraffic } from "./http/write-traffic.js";
import { privateAnswer } from "./http/public-reads.js";
import { readRoutes } from "./http/read-routes.js";
import { VersionBodies } from "./http/version-bodies.js";
import { StoryViews } from "./story-views.js";
import { accountRoutes } from "./http/account-routes.js";
import { authenticate, credentialResolver, sessionPolicy } from "./http/auth.js";
import { draftRoutes } from "./http/draft-routes.js";
import { scheduledRoutes, scheduler } from "./http/scheduled-routes.js";
import { pushRoutes } from "./http/push-routes.js";
import { questionRoutes } from "./http/question-routes.js";
import { ReaderQuestions, type QuestionCost } from "./questions/reader-questions.js";
import { alertWorkerRoutes } from "./pages/alert-worker-routes.js";
import type { AlertOutboxOptions } from "./push/alert-outbox.js";
import { WebPush } from "./push/web-push.js";
import { ScheduledPublisher } from "./scheduled-publisher.js";
import { sessionRoutes } from "./http/session-routes.js";
import { committer, jsonRequest, writeRoutes } from "./http/write-routes.js";
import { idempotencyRoutes } from "./http/idempotency.js";
import { limitWrites } from "./http/write-limit.js";
import { LoginThrottle } from "./auth/login-throttle.js";
import { rateLimiters } from "./rate-limiters.js";
import type { ClientBuild } from "./pages/client-build.js";
import { feedRoutes } from "./feeds/feed-routes.js";
import { DecodePool } from "./media/decode-pool.js";
import { mediaReadRoutes, mediaUploadRoutes, VariantCache } from "./media/media-routes.js";
import { MediaSweep } from "./media/media-sweep.js";
import { mediaTakedownRoutes } from "./media/takedown-routes.js";
import { MediaResolver } from "./media/resolve-media.js";
import { EmbedMetadata } from "./embeds/embed-metadata.js";
import { loadProviders, mastodonEndpoints } from "./embeds/oembed-providers.js";
import { embedRoutes } from "./pages/embed-routes.js";
import { pageRoutes } from "./pages/page-routes.js";
import { questionFormRoutes } from "./pages/question-form-routes.js";
import { sharedEncodingParser } from "./live/shared-encoding.js";
import { Audience } from "./live/audience/audience.js";
import { audienceRoutes } from "./http/audience-routes.js";
import { DeskChannel } from "./live/desk/desk-channel.js";
import { registerSocketHandlers } from "./live/socket-handlers.js";
import { ReaderWires, refuseConnection, releaseUpgradeRequest, type RefusableConnection } from "./live/readers/reader-wire.js";
import type { ConnectionRefusal } from "../shared/protocol.js";
import { SocketsPerAddress, type EngineConnection } from "./live/sockets-per-address.js";
import { SOCKET_QUEUE_LIMIT, TOTAL_QUEUE_LIMIT, type QueueLimits } from "./live/backpressure.js";
import { joinCluster, type RedisClient } from "./live/cluster.js";
import type { LiveServer } from "./live/live-server.js";
import { StoryHub } from "./live/story-hub.js";
import { Metrics, type CacheGauges } from "./metrics.js";
import type { Store } from "./store/store.js";
import { StoryService } from "./story-service.js";

export interface App {
  http: HttpServer;
  io: LiveServer;
  service: StoryService;
  store: Store;
  log: Logger;
  metrics: Metrics;
  /** The stories a reader's connection follows on this node, by its socket id (none for an unknown id). */
  followed(socketId: string): string[];
  /** Starts listening; resolves with the bound port (useful with PORT=0). */
  listen(): Promise<number>;
  close(): Promise<void>;
}

/** Composes the server around a store: Express routes, Socket.IO, the live hub and the write path. */
export interface AppOptions {
  log?: Logger;
  /** The built Svelte apps; without them the server is API-only (tests that need no pages). */
  clientBuild?: ClientBuild;
  /** With Redis, this process is one node of many (DESIGN.md §5). */
  redis?: RedisClient;
  /** Readers' outgoing queue bounds, when not live/backpressure.ts's defaults (tests). */
  queueLimits?: QueueLimits;
  /** How often desk sockets' credentials are checked again, when not every minute (tests). */
  deskRecheckMs?: number;
  /** How often the audience of each story is sampled for the desk's sparkline, when not every minute (tests). */
  audienceSampleMs?: number;
  /** How often the scheduled-entry publisher looks at the store when it knows of nothing sooner (tests). */
  schedulePollMs?: number;
  /** How often unreferenced uploads are looked for, when not every 10 minutes (tests). */
  mediaSweepMs?: number;
  /** The push outbox's pace, page size and gaps, when not push/alert-outbox.ts's defaults (tests, the bench). */
  pushOutbox?: AlertOutboxOptions;
  /** The proof of work's range of answers and the no-script form's wait, when not the defaults (tests make them small). */
  questionCost?: QuestionCost;
}

export function createApp(config: Config, store: Store, options: AppOptions = {}): App {
  const log = options.log ?? pino({ level: config.logLevel });
  limitMastodonInstances(config.mastodonInstances);
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false); // snapshots carry their version as ETag; Express must not hash bodies
  app.set("query parser", "simple");
  // Behind a proxy, client addresses (the sign-in throttle's key) come from X-Forwarded-For.
  if (config.trustProxy) app.set("trust proxy", /^\d+$/.test(config.trustProxy) ? Number(config.trustProxy) : config.trustProxy);
  // Editors' writes, counted from their first turn: the live fan-out hands the loop back to them (live/fan-out.ts).
  const writeTraffic = new WriteTraffic();
  app.use(writeTraffic.track);
  app.use(securityHeaders({ https: config.publicUrl.startsWith("https:") }));
  app.use(compressText());
  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req, res) => {
        const id = randomUUID();
        res.setHeader("X-Request-Id", id);
        return id;
      },
      // Each page load fetches a handful of built files: served, they are noise at `info`. (By the
      // time the response is logged, a router may have cut its mount path off `req.url`.)
      customLogLevel: (req, res, error) =>
        error || res.statusCode >= 500
          ? "error"
          : res.statusCode >= 400
            ? "warn"
            : isAssetRequest((req as express.Request).originalUrl ?? req.url ?? "")
              ? "debug"
              : "info",
      autoLogging: { ignore: (req) => req.url === "/healthz" || req.url === "/readyz" || req.url === "/metrics" },
      // Method, URL and status only: headers carry tokens and cookies, which never reach a log.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );

  const http = createServer(app);
  const wires = new ReaderWires(log.child({ component: "live" }));
  const socketsPerAddress = new SocketsPerAddress(config.limits, app.get("trust proxy fn"), log.child({ component: "live" }));
  const versionBodies = new VersionBodies(config.versionCacheBytes);
  // Every cache of the node, by name, filled in as the routes make theirs: /metrics reports each one's bytes.
  const caches: CacheGauges = new Map([["version-bodies", versionBodies], ...store.caches]);
  const metrics: Metrics = new Metrics({
    caches,
    sockets: () => io.sockets.sockets.size,
    audiences: () => hub.audiences(),
    queuedBytes: () => hub.queuedBytes,
    storyReaders: () => audience.totals(),
    frames: wires.counts,
    outboxDepth: () => store.push.outboxDepth(),
  });
  const io: LiveServer = new Server(http, {
    serveClient: false,
    parser: sharedEncodingParser(metrics.serialized),
    // Socket payloads are tiny ({storyId, version}); a bigger message closes the connection.
    maxHttpBufferSize: config.limits.socketMessageBytes,
    // The heartbeat finds readers that vanished without closing (a laptop shut, a mobile link
    // gone): a ping every 25 s, and 20 s to answer, else the connection and its queue go. A reader
    // that only stalls for less than that keeps its socket and is caught up (live/backpressure.ts).
    // Spelled out because proxies' read timeouts (README) must stay above the interval.
    pingInterval: 25_000,
    pingTimeout: 20_000,
    // The direct-frame path writes uncompressed frames (live/readers/reader-wire.ts checks this).
    perMessageDeflate: false,
    // Nor are long-polling answers compressed: patches are small, and compressing costs per reader.
    httpCompression: false,
    cors: { origin: config.embedOrigins === "*" ? "*" : config.embedOrigins },
  });
  const socketRejected = (code: string) => metrics.rejected.inc({ code, via: "socket" });
  // The desk's own namespace; it keeps the credentials of a connection's handshake (below).
  const policy = sessionPolicy(config);
  /** This process among the nodes: presence and audience reports name it. */
  const node = randomUUID();
  const storyExists = async (storyId: string) => (await store.latest(storyId)) !== undefined;
  const desk = new DeskChannel(io, {
    accounts: store.accounts,
    credentials: credentialResolver(store.accounts, config.adminToken, policy),
    cookieName: policy.cookieName,
    origin: () => policy.origin,
    storyExists,
    entryExists: async (storyId, entryId) => (await store.latest(storyId))?.entries[entryId] !== undefined,
    limits: config.limits,
    log: log.child({ component: "desk" }),
    rejected: socketRejected,
    ...(options.deskRecheckMs ? { recheckMs: options.deskRecheckMs } : {}),
    node,
    clustered: options.redis !== undefined,
  });
  // CORS headers do not stop a WebSocket upgrade: the Origin is checked as the connection opens.
  // Programs send no Origin and may connect; browsers on other sites need EMBED_ORIGINS.
  const originAllowed = (origin: string | undefined) =>
    config.embedOrigins === "*" || !origin || origin === new URL(config.publicUrl).origin || config.embedOrigins.includes(origin);
  const refusalOf = (req: IncomingMessage): ConnectionRefusal | undefined => {
    if (!originAllowed(req.headers.origin)) return { code: "origin_not_allowed", message: "Pages on this site may not open live connections to this server (EMBED_ORIGINS)." };
    return socketsPerAddress.refusal(req);
  };
  // Every WebSocket's TCP socket, so that a shutdown need not wait out closing handshakes.
  const upgraded = new Set<Duplex>();
  http.on("upgrade", (_req, socket: Duplex) => {
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
  });
  // Judged and counted in one synchronous step, so two connections from one address cannot both
  // take its last place; a refused one is closed at once (live/readers/reader-wire.ts).
  io.engine.on("connection", (connection: EngineConnection & RefusableConnection) => {
    const refusal = refusalOf(connection.request!);
    if (refusal) {
      metrics.rejected.inc({ code: refusal.code, via: "socket" });
      refuseConnection(connection, refusal);
    } else {
      socketsPerAddress.track(connection); // reads the client address, so before the request is released
      desk.keepCredentials(connection, connection.request!);
    }
    releaseUpgradeRequest(connection);
  });
  const views = new StoryViews(config.latestViewEntries);
  const hub = new StoryHub(io, store, log.child({ component: "live" }), {
    metrics,
    views,
    cluster: options.redis !== undefined,
    queueLimits: { socketBytes: SOCKET_QUEUE_LIMIT, totalBytes: TOTAL_QUEUE_LIMIT, addressBytes: config.limits.queuedBytesPerAddress, ...options.queueLimits },
    otherWork: writeTraffic,
  });
  const leaveCluster = options.redis ? joinCluster(io, hub, options.redis, config.redisStream, log.child({ component: "cluster" })) : () => {};
  const audience = new Audience({
    node,
    local: () => hub.audiences(),
    ...(options.redis ? { cluster: io } : {}),
    ...(options.audienceSampleMs ? { sampleMs: options.audienceSampleMs } : {}),
  });
  const service = new StoryService(store, [hub], { maxEntries: config.limits.entriesPerStory, maxStories: config.limits.stories }, (error, committed) =>
    log.error({ err: error, storyId: committed.snapshot.id, version: committed.snapshot.version }, "a commit listener failed"),
  );
  const publisher = new ScheduledPublisher(service, log.child({ component: "schedule" }), options.schedulePollMs);
  const schedule = scheduler(store, publisher);
  const variants = new VariantCache(store);
  caches.set("media-variants", variants);
  caches.set("recent-views", hub.recentViews);
  const mediaSweep = new MediaSweep(store.media, config.mediaUnreferencedMs, log.child({ component: "media" }), (ids) => ids.forEach((id) => variants.forget(id)), options.mediaSweepMs);
  const sessionOf = registerSocketHandlers(io, hub, log.child({ component: "live" }), config.limits, socketRejected, socketsPerAddress, wires);

  const push = new WebPush(store, config.push.contact, log.child({ component: "push" }), metrics, options.pushOutbox, desk);

  const redis = options.redis;
  const decodePool = new DecodePool({ memoryBytes: config.limits.uploadWorkerMemoryBytes, timeoutMs: config.limits.uploadWorkerTimeoutMs });
  const { embedMetadata } = config;
  const embeds = embedMetadata.enabled
    ? new EmbedMetadata({
        endpoints: [...loadProviders(embedMetadata.providersFile), ...mastodonEndpoints(config.mastodonInstances)],
        allow: new Set(embedMetadata.fetchAllow),
        media: store.media,
        pool: decodePool,
        log: log.child({ component: "embeds" }),
      })
    : undefined;
  const mediaResolver = new MediaResolver(store.media, embeds);
  app.use(healthRoutes({ store: () => store.ping(), ...(redis ? { redis: async () => void (await redis.ping()) } : {}) }));
  app.use(metricsRoutes(metrics, { token: config.metricsToken }));
  const json = jsonRequest(config.limits.jsonBodyBytes);
  const limiter = rateLimiters(redis ? { redis, prefix: config.redisStream } : undefined);
  const questions = new ReaderQuestions(store, desk, config.questions, limiter, log.child({ component: "questions" }), options.questionCost);
  app.use("/api/stories", timeWrites(metrics));
  app.use(
    "/api",
    privateAnswer,
    authenticate(store.accounts, config.adminToken, policy),
    limitWrites(limiter, config.limits),
    readRoutes(store, views, config.sharedCache, versionBodies, caches),
    sessionRoutes(store.accounts, policy, json, new LoginThrottle(config.limits, limiter)),
    accountRoutes(store.accounts, json, policy),
    mediaUploadRoutes(store, { bytes: config.limits.uploadBytes, queueLength: config.limits.uploadQueueLength }, decodePool, config.limits),
    mediaTakedownRoutes(store, service, variants, desk),
    audienceRoutes(audience, storyExists),
    pushRoutes(store, push, config.push, limiter),
    questionRoutes(store, questions),
    draftRoutes(store, committer(service), json, desk, schedule, mediaResolver, questions),
    scheduledRoutes(store, publisher, json, mediaResolver),
    writeRoutes(store, service, json, schedule, jsonRequest(config.limits.batchBodyBytes), mediaResolver, questions),
    idempotencyRoutes(store),
  );
  app.use(mediaReadRoutes(store, variants));
  app.use(feedRoutes(store, config, caches));
  if (options.clientBuild) app.use(alertWorkerRoutes());
  if (options.clientBuild) {
    app.use(
      embedRoutes(store, views, options.clientBuild, config, caches),
      pageRoutes(store, views, options.clientBuild, config, caches),
      questionFormRoutes(store, questions, options.clientBuild),
    );
  }
  app.use(notFound);
  app.use(errorHandler(store, (code) => metrics.rejected.inc({ code, via: "http" })));

  return {
    http,
    io,
    service,
    store,
    log,
    metrics,
    followed: (socketId) => {
      const socket = io.sockets.sockets.get(socketId);
      return [...((socket && sessionOf(socket)?.stories.keys()) ?? [])];
    },
    listen: () =>
      new Promise((resolve, reject) => {
        http.once("error", reject);
        http.listen(config.port, config.host, () => {
          const { port } = http.address() as AddressInfo;
          publisher.start(); // what fell due while no node was up is published now
          mediaSweep.start();
          questions.start();
          // Alerts committed while no node was up go out now; a store that cannot give the keys is logged, not fatal.
          push.start().catch((error: unknown) => log.error({ err: error }, "Breaking-news alerts could not start."));
          // PORT=0 picks a free port: the derived public URL can only name it now.
          if (config.publicUrl.endsWith(":0")) config.publicUrl = config.publicUrl.replace(/:0$/, `:${port}`);
          resolve(port);
        });
      }),
    // Stops accepting, drops every socket's transport (clients reconnect, to another node behind
    // a balancer, and catch up from their version), answers the HTTP requests under way (a write
    // is answered once durable), then closes Redis and the store.
    close: async () => {
      publisher.stop();
      mediaSweep.stop();
      await push.stop();
      leaveCluster();
      audience.close();
      desk.close();
      questions.stop();
      hub.close();
      const closed = new Promise<void>((resolve) => io.close(() => resolve()));
      // WebSockets go at once, not through their closing handshake: a reader that stopped reading
      // or vanished (or one the heartbeat already gave up on) would hold it for 30 s.
      for (const socket of upgraded) socket.destroy();
      // Connections that were busy when the close began are closed once their answer is out,
      // rather than after keep-alive's idle timeout.
      const sweep = setInterval(() => http.closeIdleConnections(), 50);
      await closed;
      clearInterval(sweep);
      decodePool.close();
      if (redis?.isOpen) await redis.quit().catch(() => {});
      await store.close();
    },
  };
}

/** The built client files (hashed bundles and the embed's loader), as opposed to pages and API calls. */
export function isAssetRequest(url: string): boolean {
  return url.startsWith("/assets/") || url === "/embed.js" || url.startsWith("/embed.js?");
}
