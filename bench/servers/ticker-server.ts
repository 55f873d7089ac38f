import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { createApp } from "../../server/app.js";
import { loadConfig } from "../../server/config.js";
import { ASSETS_DIR, ClientBuild } from "../../server/pages/client-build.js";
import { seedIfEmpty } from "../../server/seed/seed.js";
import { SqliteStore } from "../../server/store/sqlite-store.js";
import { answer } from "../ipc.js";
import { processStats } from "./process-stats.js";

/**
 * live-ticker as it runs in production on one machine (the same app, store and hub as
 * server/main.ts, with the pages once built), on a fresh SQLite file with the demo story.
 */
import { BENCH_TOKEN } from "./ticker-token.js";

const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-bench-"));
// One load machine, one token: per-client limits (sockets per address, writes per account) are
// lifted so that the bench measures the server, not its limits.
const config = loadConfig({
  PORT: "0",
  HOST: "127.0.0.1",
  DATA_DIR: dataDir,
  TICKER_ADMIN_TOKEN: BENCH_TOKEN,
  LOG_LEVEL: "silent",
  MAX_SOCKETS_PER_IP: "1000000",
  IP_CONNECT_BURST: "1000000",
  IP_CONNECTS_PER_MINUTE: "60000000",
  IP_SUBSCRIBE_BURST: "1000000",
  IP_SUBSCRIBES_PER_MINUTE: "60000000",
  MAX_QUEUED_BYTES_PER_IP: "4294967296",
  WRITES_PER_MINUTE: "1000000",
  // The story-length scenario posts past the default cap of 2,000 while timing writes at 2,000.
  MAX_ENTRIES_PER_STORY: "100000",
});
const store = new SqliteStore(join(dataDir, "live-ticker.db"));
// With the apps built (`npm run bench` builds them), the pages are served too: the story-length scenario reads them.
const built = existsSync(join(ASSETS_DIR, ".vite/manifest.json"));
const app = createApp(config, store, { log: pino({ level: "silent" }), ...(built ? { clientBuild: await ClientBuild.load() } : {}) });
await seedIfEmpty(store, app.service);
const port = await app.listen();

process.on("exit", () => rmSync(dataDir, { recursive: true, force: true }));
answer({
  url: () => `http://127.0.0.1:${port}`,
  ...processStats,
  snapshotSerializations: async () => (await app.metrics.serializations.get()).values.find((value) => value.labels.event === "snapshot")?.value ?? 0,
});
