import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "./app.js";
import { createAccount } from "./auth/accounts-service.js";
import { type Config, loadConfig } from "./config.js";
import { createLogger, logFormat } from "./log-output.js";
import { ClientBuild } from "./pages/client-build.js";
import { replayDemoStory, seedIfEmpty } from "./seed/seed.js";
import { connectRedis } from "./live/cluster.js";
import { PostgresStore } from "./store/postgres-store.js";
import { SqliteStore } from "./store/sqlite-store.js";
import type { Store } from "./store/store.js";
import { startupBanner } from "./startup-banner.js";

/** `--demo`: a throwaway store where the demo story is posted live, one update every few seconds. */
const demo = process.argv.includes("--demo");
if (demo && !process.env.DATA_DIR) process.env.DATA_DIR = mkdtempSync(join(tmpdir(), "live-ticker-demo-"));

const stdoutIsTty = process.stdout.isTTY === true;
const config = readConfig();
const format = logFormat(config.logFormat, stdoutIsTty);
const log = createLogger(config.logLevel, format);
// Fire-and-forget work (a Redis command cut off by an outage) must not take the node down with
// it: such rejections are logged; the hub's resync heals what they lost.
process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled rejection"));
// DESIGN.md §5: PostgreSQL holds the log and Redis carries versions between nodes; else one SQLite file.
const store: Store = config.databaseUrl
  ? await PostgresStore.open(config.databaseUrl, config.databaseSchema ? { schema: config.databaseSchema } : {})
  : new SqliteStore(join(config.dataDir, "live-ticker.db"));
const redis = config.redisUrl ? await connectRedis(config.redisUrl, log) : undefined;
const app = createApp(config, store, { log, clientBuild: await ClientBuild.load(), ...(redis ? { redis } : {}) });
const abort = new AbortController();

if (!demo && (await seedIfEmpty(store, app.service))) log.info({ storyId: "kyiv-strikes" }, "seeded the demo story");
// With no account nobody can sign in to the desk, admin token or not (the token is for
// automation, and a newsroom that set it still needs people on the desk): make an admin whose
// one-time password is printed this once (it must be replaced at first sign-in). It exists before
// the port opens, so nobody (a test, a health check) sees a server without its first account.
const firstAdmin = (await store.accounts.countUsers()) === 0;
// Several nodes may start at once: the one that creates the account prints its password.
const created = firstAdmin ? await createAccount(store.accounts, "admin", "admin").catch(() => undefined) : undefined;
const port = await app.listen();
const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
log.info({ url, store: config.databaseUrl ? "postgresql" : config.dataDir, cluster: Boolean(redis) }, "live-ticker listening");
const firstAdminSignIn = created && { username: created.user.username, password: created.password };
if (format === "pretty") {
  // A person is watching: the addresses and the one-time password stand out from the log lines.
  const storyId = (await store.listStories())[0]?.id;
  process.stdout.write(startupBanner({ url, ...(storyId ? { storyId } : {}), ...(firstAdminSignIn ? { firstAdmin: firstAdminSignIn } : {}) }));
} else if (firstAdminSignIn) {
  log.warn(
    { username: firstAdminSignIn.username, oneTimePassword: firstAdminSignIn.password, signIn: `${url}/editor` },
    "created the first account: sign in as admin with this one-time password, then choose your own (it is not shown again)",
  );
}

if (demo) {
  const intervalMs = config.demoIntervalMs;
  log.info({ story: `http://${config.host}:${port}/api/stories/kyiv-strikes`, intervalMs }, "demo: posting the story live");
  void replayDemoStory(app.service, {
    intervalMs,
    signal: abort.signal,
    onUpdate: (n, total) => log.info(`demo: update ${n}/${total} posted`),
  }).catch((error: unknown) => log.error({ err: error }, "demo replay failed"));
}

// Idempotency keys are kept for a day (DESIGN.md §3), then forgotten, checked hourly.
const DAY_MS = 24 * 60 * 60 * 1000;
const purgeKeys = () =>
  store.purgeIdempotencyKeys(DAY_MS).then(
    (purged) => purged > 0 && log.info({ purged }, "forgot expired idempotency keys"),
    (error: unknown) => log.error({ err: error }, "idempotency key purge failed"),
  );
void purgeKeys();
setInterval(purgeKeys, DAY_MS / 24).unref();

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    abort.abort();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => (log.error({ err: error }, "shutdown failed"), process.exit(1)),
    );
  });
}

/** The configuration, or one fatal log line naming every invalid variable and exit 1: no stack trace. */
function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    // LOG_LEVEL or LOG_FORMAT may be the bad variable itself, so this logger reads neither.
    createLogger("info", logFormat("auto", stdoutIsTty)).fatal(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
