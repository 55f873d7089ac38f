import { DEFAULT_PUSH_SERVICES } from "../shared/push-subscription.js";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";

const TOKEN = "a-long-enough-admin-token";

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected loadConfig to reject the configuration");
}

describe("loadConfig", () => {
  it("applies DESIGN.md §2's defaults to an empty environment", () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: "127.0.0.1",
      dataDir: resolve("./data"),
      databaseUrl: undefined,
      redisUrl: undefined,
      redisStream: "live-ticker",
      trustProxy: undefined,
      publicUrl: "http://127.0.0.1:8080",
      adminToken: undefined,
      metricsToken: undefined,
      embedOrigins: "*",
      mastodonInstances: undefined,
      embedMetadata: { enabled: true, fetchAllow: [] },
      logLevel: "info",
      logFormat: "auto",
      demoIntervalMs: 4000,
      siteLanguage: "en",
      latestViewEntries: 50,
      sharedCache: { sMaxAgeSeconds: 5, staleWhileRevalidateSeconds: 60 },
      feedEntries: 50,
      mediaUnreferencedMs: 72 * 60 * 60 * 1000,
      versionCacheBytes: 64 * 1024 * 1024,
      push: { services: DEFAULT_PUSH_SERVICES, caps: { perStory: 1_000_000, total: 5_000_000 } },
      questions: { perAddress: 5, perStoryPerMinute: 300, maxPending: 5000, retentionMs: 30 * 24 * 60 * 60 * 1000 },
      limits: {
        jsonBodyBytes: 65_536,
        batchBodyBytes: 8 * 1024 * 1024,
        uploadBytes: 20 * 1024 * 1024,
        uploadsPerDay: 200,
        mediaBytesPerAccount: 2048 * 1024 * 1024,
        uploadQueueLength: 20,
        uploadWorkerMemoryBytes: 640 * 1024 * 1024,
        uploadWorkerTimeoutMs: 30_000,
        entriesPerStory: 2000,
        stories: 1000,
        socketMessageBytes: 16_384,
        subscriptionsPerSocket: 50,
        socketsPerAddress: 5000,
        connectBurstPerAddress: 300,
        connectsPerMinutePerAddress: 6000,
        subscribeBurstPerAddress: 500,
        subscribesPerMinutePerAddress: 6000,
        queuedBytesPerAddress: 32 * 1024 * 1024,
        socketEventBurst: 100,
        socketEventsPerMinute: 60,
        writesPerMinute: 120,
        adminTokenWritesPerMinute: 120,
        loginFailuresPerAccount: 5,
        loginFailuresPerAccountTotal: 50,
        loginFailuresPerAddress: 30,
        loginLockoutSeconds: 900,
      },
    });
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ PORT: "", TICKER_ADMIN_TOKEN: "", DEMO_INTERVAL_MS: "", LOG_LEVEL: "" })).toMatchObject({
      port: 8080,
      adminToken: undefined,
      demoIntervalMs: 4000,
      logLevel: "info",
    });
  });

  it("reads every variable it is given", () => {
    expect(
      loadConfig({
        PORT: "0",
        HOST: "0.0.0.0",
        DATA_DIR: "/var/lib/live-ticker",
        TICKER_ADMIN_TOKEN: TOKEN,
        LOG_LEVEL: "silent",
        LOG_FORMAT: "json",
        DEMO_INTERVAL_MS: "250",
      }),
    ).toMatchObject({ port: 0, host: "0.0.0.0", dataDir: "/var/lib/live-ticker", adminToken: TOKEN, logLevel: "silent", logFormat: "json", demoIntervalMs: 250 });
    expect(loadConfig({ DEMO_INTERVAL_MS: "0" }).demoIntervalMs).toBe(0);
    expect(loadConfig({ FEED_ENTRIES: "20" }).feedEntries).toBe(20);
    expect(() => loadConfig({ FEED_ENTRIES: "501" })).toThrow("FEED_ENTRIES: must be at most 500");
    expect(() => loadConfig({ FEED_ENTRIES: "0" })).toThrow("FEED_ENTRIES: must be at least 1");
    expect(loadConfig({ MEDIA_UNREFERENCED_HOURS: "2" }).mediaUnreferencedMs).toBe(2 * 60 * 60 * 1000);
    // Less than an hour would collect a photo uploaded for an entry still being written.
    expect(() => loadConfig({ MEDIA_UNREFERENCED_HOURS: "0" })).toThrow("MEDIA_UNREFERENCED_HOURS: must be at least 1");
  });

  it.each([
    [{}, "http://127.0.0.1:8080"],
    [{ HOST: "news.example", PORT: "3000" }, "http://news.example:3000"],
    [{ HOST: "::1", PORT: "8081" }, "http://[::1]:8081"],
    [{ PUBLIC_URL: "https://live.news.example/ticker/" }, "https://live.news.example/ticker"],
    [{ PUBLIC_URL: "https://live.news.example", HOST: "0.0.0.0" }, "https://live.news.example"],
  ])("derives PUBLIC_URL from %j as %j", (env, publicUrl) => {
    expect(loadConfig(env).publicUrl).toBe(publicUrl);
  });

  it.each([
    [undefined, "*"],
    ["*", "*"],
    ["  *  ", "*"],
    ["https://a.example", ["https://a.example"]],
    ["https://a.example,https://b.example", ["https://a.example", "https://b.example"]],
    [" https://a.example, https://b.example  https://c.example ,", ["https://a.example", "https://b.example", "https://c.example"]],
  ])("parses EMBED_ORIGINS %j as %j", (value, origins) => {
    expect(loadConfig(value === undefined ? {} : { EMBED_ORIGINS: value }).embedOrigins).toEqual(origins);
  });

  it("reads PUSH_SERVICES and PUSH_CONTACT, falls back to an https PUBLIC_URL, and refuses a local contact or a non-https service", () => {
    expect(loadConfig({ PUSH_SERVICES: "https://push.example, https://*.wns.example:8443", PUSH_CONTACT: "mailto:desk@news.example" }).push).toEqual({
      services: ["https://push.example", "https://*.wns.example:8443"],
      contact: "mailto:desk@news.example",
      caps: { perStory: 1_000_000, total: 5_000_000 },
    });
    expect(loadConfig({ MAX_PUSH_SUBSCRIPTIONS_PER_STORY: "10", MAX_PUSH_SUBSCRIPTIONS: "20" }).push.caps).toEqual({ perStory: 10, total: 20 });
    expect(() => loadConfig({ MAX_PUSH_SUBSCRIPTIONS: "0" })).toThrow("MAX_PUSH_SUBSCRIPTIONS:");
    expect(loadConfig({ PUBLIC_URL: "https://live.news.example/ticker" }).push.contact).toBe("https://live.news.example");
    // No contact a push service would take: alerts are off.
    expect(loadConfig({ PUBLIC_URL: "https://localhost:8443" }).push.contact).toBeUndefined();
    expect(loadConfig({}).push.contact).toBeUndefined();
    expect(() => loadConfig({ PUSH_CONTACT: "https://localhost/contact" })).toThrow("PUSH_CONTACT: must not name localhost");
    expect(() => loadConfig({ PUSH_CONTACT: "http://news.example" })).toThrow("PUSH_CONTACT: must be a mailto: address or an https: URL");
    expect(() => loadConfig({ PUSH_SERVICES: "http://push.example" })).toThrow("PUSH_SERVICES:");
    expect(() => loadConfig({ PUSH_SERVICES: "https://push.example/path" })).toThrow("PUSH_SERVICES:");
  });

  it("names every bad variable in one message", () => {
    const message = configError({
      PORT: "99999",
      LOG_LEVEL: "loud",
      LOG_FORMAT: "xml",
      PUBLIC_URL: "not a url",
      TICKER_ADMIN_TOKEN: "short",
      DEMO_INTERVAL_MS: "-5",
    });
    expect(message).toMatch(/^Invalid configuration: /);
    for (const name of ["PORT", "LOG_LEVEL", "LOG_FORMAT", "PUBLIC_URL", "TICKER_ADMIN_TOKEN", "DEMO_INTERVAL_MS"]) expect(message).toContain(`${name}: `);
    expect(message).toContain("TICKER_ADMIN_TOKEN: must be at least 16 characters");
    expect(message).toContain("DEMO_INTERVAL_MS: must not be negative");
    expect(message).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it("reads the limits", () => {
    expect(
      loadConfig({
        MAX_JSON_BODY_BYTES: "2048",
        MAX_BATCH_BODY_BYTES: "100000",
        MAX_UPLOAD_BYTES: "5000000",
        MEDIA_UPLOADS_PER_DAY: "12",
        MEDIA_MB_PER_ACCOUNT: "13",
        UPLOAD_QUEUE_LENGTH: "3",
        UPLOAD_WORKER_MEMORY_MB: "600",
        UPLOAD_WORKER_TIMEOUT_SECONDS: "5",
        MAX_ENTRIES_PER_STORY: "3",
        MAX_STORIES: "4",
        MAX_SOCKET_MESSAGE_BYTES: "1048576",
        MAX_SUBSCRIPTIONS_PER_SOCKET: "5",
        MAX_SOCKETS_PER_IP: "6",
        IP_CONNECT_BURST: "12",
        IP_CONNECTS_PER_MINUTE: "13",
        IP_SUBSCRIBE_BURST: "14",
        IP_SUBSCRIBES_PER_MINUTE: "15",
        MAX_QUEUED_BYTES_PER_IP: "65536",
        SOCKET_EVENT_BURST: "10",
        SOCKET_EVENTS_PER_MINUTE: "11",
        WRITES_PER_MINUTE: "7",
        ADMIN_TOKEN_WRITES_PER_MINUTE: "600",
        LOGIN_FAILURES_PER_ACCOUNT: "8",
        LOGIN_FAILURES_PER_ACCOUNT_TOTAL: "10",
        LOGIN_FAILURES_PER_IP: "9",
        LOGIN_LOCKOUT_MINUTES: "2",
      }).limits,
    ).toEqual({
      jsonBodyBytes: 2048,
      batchBodyBytes: 100_000,
      uploadBytes: 5_000_000,
      uploadsPerDay: 12,
      mediaBytesPerAccount: 13 * 1024 * 1024,
      uploadQueueLength: 3,
      uploadWorkerMemoryBytes: 600 * 1024 * 1024,
      uploadWorkerTimeoutMs: 5000,
      entriesPerStory: 3,
      stories: 4,
      socketMessageBytes: 1_048_576,
      subscriptionsPerSocket: 5,
      socketsPerAddress: 6,
      connectBurstPerAddress: 12,
      connectsPerMinutePerAddress: 13,
      subscribeBurstPerAddress: 14,
      subscribesPerMinutePerAddress: 15,
      queuedBytesPerAddress: 65_536,
      socketEventBurst: 10,
      socketEventsPerMinute: 11,
      writesPerMinute: 7,
      adminTokenWritesPerMinute: 600,
      loginFailuresPerAccount: 8,
      loginFailuresPerAccountTotal: 10,
      loginFailuresPerAddress: 9,
      loginLockoutSeconds: 120,
    });
  });

  it("gives the admin token a person's write budget unless ADMIN_TOKEN_WRITES_PER_MINUTE says otherwise", () => {
    expect(loadConfig({ WRITES_PER_MINUTE: "30" }).limits).toMatchObject({ writesPerMinute: 30, adminTokenWritesPerMinute: 30, batchBodyBytes: 8 * 1024 * 1024 });
    expect(configError({ ADMIN_TOKEN_WRITES_PER_MINUTE: "0", MAX_BATCH_BODY_BYTES: "1000" })).toMatch(/ADMIN_TOKEN_WRITES_PER_MINUTE: must be at least 1.*MAX_BATCH_BODY_BYTES: must be at least 65536|MAX_BATCH_BODY_BYTES: must be at least 65536.*ADMIN_TOKEN_WRITES_PER_MINUTE: must be at least 1/s);
  });

  it("names every bad limit in one message", () => {
    const message = configError({
      MAX_SOCKET_MESSAGE_BYTES: "2000000",
      MAX_ENTRIES_PER_STORY: "0",
      WRITES_PER_MINUTE: "lots",
      MAX_STORIES: "1.5",
      MAX_JSON_BODY_BYTES: "64kb",
      MEDIA_UPLOADS_PER_DAY: "0",
      MEDIA_MB_PER_ACCOUNT: "2GB",
    });
    expect(message).toContain("MEDIA_UPLOADS_PER_DAY: must be at least 1");
    expect(message).toContain("MEDIA_MB_PER_ACCOUNT: ");
    expect(message).toContain("MAX_SOCKET_MESSAGE_BYTES: must be at most 1048576");
    expect(message).toContain("MAX_ENTRIES_PER_STORY: must be at least 1");
    expect(message).toContain("MAX_STORIES: must be a whole number");
    for (const name of ["WRITES_PER_MINUTE", "MAX_JSON_BODY_BYTES"]) expect(message).toContain(`${name}: `);
  });

  it("bounds the per-address budgets, so that a typo neither disarms them nor refuses every reader", () => {
    expect(configError({ IP_CONNECT_BURST: "0" })).toContain("IP_CONNECT_BURST: must be at least 1");
    expect(configError({ IP_SUBSCRIBES_PER_MINUTE: "60000001" })).toContain("IP_SUBSCRIBES_PER_MINUTE: must be at most 60000000");
    expect(configError({ MAX_QUEUED_BYTES_PER_IP: "1000" })).toContain("MAX_QUEUED_BYTES_PER_IP: must be at least 65536");
    expect(configError({ MAX_QUEUED_BYTES_PER_IP: "5000000000" })).toContain("MAX_QUEUED_BYTES_PER_IP: must be at most 4294967296");
    expect(configError({ IP_CONNECTS_PER_MINUTE: "1.5" })).toContain("IP_CONNECTS_PER_MINUTE: must be a whole number");
  });

  it("keeps a decode child's memory enough to start node and sharp, and its queue and time finite", () => {
    const message = configError({ UPLOAD_WORKER_MEMORY_MB: "100", UPLOAD_QUEUE_LENGTH: "0", UPLOAD_WORKER_TIMEOUT_SECONDS: "601" });
    expect(message).toContain("UPLOAD_WORKER_MEMORY_MB: must be at least 512");
    expect(message).toContain("UPLOAD_QUEUE_LENGTH: must be at least 1");
    expect(message).toContain("UPLOAD_WORKER_TIMEOUT_SECONDS: must be at most 600");
  });

  it("reads SITE_LANGUAGE as a canonical BCP 47 tag, English when unset, and refuses a malformed one", () => {
    expect(loadConfig({}).siteLanguage).toBe("en");
    expect(loadConfig({ SITE_LANGUAGE: "AR-eg" }).siteLanguage).toBe("ar-EG");
    expect(configError({ SITE_LANGUAGE: "not a language" })).toContain("SITE_LANGUAGE: must be a well-formed BCP 47 language tag");
    expect(configError({ SITE_LANGUAGE: `x-${"a".repeat(40)}` })).toContain("SITE_LANGUAGE: ");
  });

  it("bounds LATEST_VIEW_ENTRIES, so that a reader page stays small and still shows a screenful", () => {
    expect(loadConfig({ LATEST_VIEW_ENTRIES: "120" }).latestViewEntries).toBe(120);
    expect(configError({ LATEST_VIEW_ENTRIES: "9" })).toContain("LATEST_VIEW_ENTRIES: must be at least 10");
    expect(configError({ LATEST_VIEW_ENTRIES: "501" })).toContain("LATEST_VIEW_ENTRIES: must be at most 500");
  });

  it.each(["1.5", "soon"])("rejects DEMO_INTERVAL_MS=%j", (value) => {
    expect(configError({ DEMO_INTERVAL_MS: value })).toContain("DEMO_INTERVAL_MS: ");
  });

  it.each([
    ["a space", "a-long-enough admin-token"],
    ["a tab", "a-long-enough-admin-token\t"],
    ["a control character", "a-long-enough-admin-token\u0000"],
    ["a non-ASCII letter", "a-long-enough-admin-tokén"],
    ["Cyrillic", "довгий-токен-адміністратора"],
  ])("rejects a TICKER_ADMIN_TOKEN with %s, which no Authorization header could carry", (_, token) => {
    expect(configError({ TICKER_ADMIN_TOKEN: token })).toBe(
      "Invalid configuration: TICKER_ADMIN_TOKEN: may contain only visible ASCII characters (no spaces, control characters or non-ASCII letters)",
    );
  });

  it("accepts a token of any visible ASCII characters", () => {
    const token = "!\"#$%&'()*+,-./0123456789:;<=>?@AZaz[\\]^_`{|}~";
    expect(loadConfig({ TICKER_ADMIN_TOKEN: token }).adminToken).toBe(token);
  });

  it("reads METRICS_TOKEN under the same rules as the admin token", () => {
    expect(loadConfig({ METRICS_TOKEN: "a-long-enough-scrape-token" }).metricsToken).toBe("a-long-enough-scrape-token");
    expect(loadConfig({ METRICS_TOKEN: "" }).metricsToken).toBeUndefined();
    expect(configError({ METRICS_TOKEN: "short" })).toBe("Invalid configuration: METRICS_TOKEN: must be at least 16 characters");
    expect(configError({ METRICS_TOKEN: "a-long-enough scrape-token" })).toContain("METRICS_TOKEN: may contain only visible ASCII characters");
  });
});
