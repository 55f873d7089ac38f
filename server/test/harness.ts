import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { io as connect, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../../shared/protocol.js";
import { createApp, type App } from "../app.js";
import type { RedisClient } from "../live/cluster.js";
import type { QueueLimits } from "../live/backpressure.js";
import { loadConfig } from "../config.js";
import { ClientBuild } from "../pages/client-build.js";
import { SqliteStore } from "../store/sqlite-store.js";
import type { QuestionCost } from "../questions/reader-questions.js";

export const TOKEN = "test-admin-token-0123456789";

/** For suites about volume (many writes from one account), not about the write limit itself. */
export const UNTHROTTLED = { WRITES_PER_MINUTE: "1000000" };

export interface TestServer {
  app: App;
  url: string;
  dataDir: string;
  /** fetch() against the server, with the admin token and JSON body when given. */
  api(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string>; auth?: boolean }): Promise<Response>;
  /** A reader's socket; websocket only unless `transports` says otherwise (a browser starts polling and upgrades). */
  socket(transports?: ("websocket" | "polling")[]): Socket<ServerToClientEvents, ClientToServerEvents>;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1 with a real SQLite file in a fresh temp dir; with `redis`, one node of several. */
export async function startServer(
  options: { dataDir?: string; pages?: boolean; port?: number; env?: Record<string, string>; redis?: RedisClient; queueLimits?: QueueLimits; deskRecheckMs?: number; audienceSampleMs?: number; mediaSweepMs?: number; questionCost?: QuestionCost } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "live-ticker-test-"));
  // Tests ask no real platform for an embed's description: those about it start a stand-in (oembed-stand-in.ts).
  const config = loadConfig({ PORT: String(options.port ?? 0), DATA_DIR: dataDir, TICKER_ADMIN_TOKEN: TOKEN, LOG_LEVEL: "silent", EMBED_METADATA: "off", ...options.env });
  const app = createApp(config, new SqliteStore(join(dataDir, "live-ticker.db")), {
    log: pino({ level: "silent" }),
    ...(options.pages ? { clientBuild: await ClientBuild.load() } : {}),
    ...(options.redis ? { redis: options.redis } : {}),
    ...(options.queueLimits ? { queueLimits: options.queueLimits } : {}),
    ...(options.deskRecheckMs ? { deskRecheckMs: options.deskRecheckMs } : {}),
    ...(options.audienceSampleMs ? { audienceSampleMs: options.audienceSampleMs } : {}),
    ...(options.mediaSweepMs ? { mediaSweepMs: options.mediaSweepMs } : {}),
    ...(options.questionCost ? { questionCost: options.questionCost } : {}),
  });
  const port = await app.listen();
  const url = `http://127.0.0.1:${port}`;
  const sockets: Socket[] = [];
  return {
    app,
    url,
    dataDir,
    api: (path, init = {}) => {
      const headers: Record<string, string> = { ...init.headers };
      if (init.auth !== false) headers.authorization ??= `Bearer ${TOKEN}`;
      if (init.body !== undefined) headers["content-type"] ??= "application/json";
      return fetch(url + path, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers,
        ...(init.body === undefined ? {} : { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) }),
      });
    },
    socket: (transports = ["websocket"]) => {
      const socket = connect(url, { transports, reconnectionDelay: 50, reconnectionDelayMax: 200 });
      sockets.push(socket);
      return socket;
    },
    close: async () => {
      for (const socket of sockets) socket.disconnect();
      await app.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
