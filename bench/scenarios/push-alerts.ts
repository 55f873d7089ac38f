import Database from "better-sqlite3";
import { createECDH, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpuSeconds, followingReaders, loopP99, postUpdate, sleep } from "./readers-under-load.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LiveSocket } from "../../client/lib/live-client.js";
import { percentile } from "../stats.js";
import { compare, type Row } from "../report.js";
import { startChild, stopChild } from "../../server/test/child-server.js";
import { startPushService } from "../../server/test/push-service.js";
import { SqliteStore } from "../../server/store/sqlite-store.js";

/**
 * Issue 33's scale target: one breaking alert to 100,000 subscriptions must not stall the node.
 * The real server (one process, SQLite) pushes to a local https push service (trusted through
 * NODE_EXTRA_CA_CERTS) while readers follow the story on the same node and an editor posts an
 * ordinary update every 250 ms. Measured: pushes a second (wall clock) and per CPU-second of the
 * server, the server's event-loop delay p99 (prom-client's, reset at each scrape) and the readers'
 * update latency p99 during the send, against the same node's idle figures in the same run, and
 * resident memory before and at its peak.
 */

export interface PushAlertSettings {
  subscriptions: number;
  readers: number;
  /** Length of the baseline window, in seconds. */
  baselineSeconds: number;
}

const STORY = "alert-bench";
const rssBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

export async function measurePushAlerts(settings: PushAlertSettings, log: (line: string) => void): Promise<Row[]> {
  const service = await startPushService({ keep: false });
  const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-push-bench-"));
  const sockets: LiveSocket[] = [];
  try {
    // The story and its subscriptions, written straight into the file (one transaction) before the server starts.
    const store = new SqliteStore(join(dataDir, "live-ticker.db"));
    await store.commit({ storyId: STORY, operation: { type: "create_story", storyId: STORY, title: "Alert bench", summary: "", at: new Date().toISOString(), author: { name: "Bench" } } });
    await store.close();
    const db = new Database(join(dataDir, "live-ticker.db"));
    const insert = db.prepare("INSERT INTO push_subscriptions (story_id, endpoint, p256dh, auth) VALUES (?, ?, ?, ?)");
    db.transaction(() => {
      let key = "";
      for (let n = 0; n < settings.subscriptions; n++) {
        // A key pair per 1,000 readers: the sender's cost (a fresh ECDH and encryption per message) is the same for any key.
        if (n % 1000 === 0) key = createECDH("prime256v1").generateKeys().toString("base64url");
        insert.run(STORY, `${service.origin}/push/${n}`, key, randomBytes(16).toString("base64url"));
      }
    })();
    db.close();
    log(`push bench: ${settings.subscriptions} subscriptions stored`);

    const node = await startChild(dataDir, {
      env: { NODE_EXTRA_CA_CERTS: service.certificateFile, PUSH_SERVICES: service.origin, PUSH_CONTACT: "mailto:bench@example.org", WRITES_PER_MINUTE: "1000000" },
      startMs: 120_000,
    });
    const pid = node.process.pid!;
    node.process.once("exit", (code, signal) => log(`push bench: the server exited (${code ?? signal})\n${node.output()}`));
    const post = (body: unknown) => postUpdate(node.url, STORY, body);

    // Readers on the same node; each update's latency is until the last of them has it.
    const { updatesWhile } = followingReaders(node.url, STORY, settings.readers, sockets);
    await sleep(2000);

    await loopP99(node.url); // resets the histogram
    const baselineEnd = performance.now() + settings.baselineSeconds * 1000;
    const baselineLatencies = await updatesWhile(() => performance.now() < baselineEnd);
    const baselineLoop = await loopP99(node.url);
    const rssBefore = rssBytes(pid);

    const cpuStart = cpuSeconds(pid);
    const start = performance.now();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(pid))), 250);
    await post({ body: "Alert everyone.", headline: "Bench alert", kind: "breaking" });
    const done = () => service.count() >= settings.subscriptions;
    const sendLatencies = await updatesWhile(() => !done() && performance.now() - start < 600_000);
    const sendLoop = await loopP99(node.url);
    const seconds = (performance.now() - start - 1000) / 1000; // less the wait for the last update's readers
    const cpu = cpuSeconds(pid) - cpuStart;
    clearInterval(sampler);
    log(`push bench: ${service.count()} pushes in ${seconds.toFixed(1)} s, server CPU ${cpu.toFixed(1)} s`);
    await stopChild(node.process);

    const n = `${settings.subscriptions / 1000}k`;
    const scenario = "alert to every subscriber";
    const p99 = (values: number[]) => percentile(values, 99);
    return [
      compare({ scenario, n, figure: "pushes a second (wall clock)", unit: "/s", ticker: service.count() / seconds }),
      compare({ scenario, n, figure: "pushes per CPU-second of the server", unit: "/s", ticker: service.count() / cpu }, { target: "≥ 2,000", test: (_ratio, row) => row.ticker >= 2000 }),
      compare(
        { scenario, n, figure: "event-loop delay p99 during the send", unit: "ms", ticker: sendLoop, baseline: baselineLoop, against: "same node, no send" },
        { target: "≤ 50 ms", test: (_ratio, row) => row.ticker <= 50 },
      ),
      compare({ scenario, n, figure: `update latency p99 to ${settings.readers} readers`, unit: "ms", ticker: p99(sendLatencies), baseline: p99(baselineLatencies), against: "same node, no send" }),
      compare({ scenario, n, figure: "resident memory, peak during the send", unit: "MB", ticker: rssPeak / 2 ** 20, baseline: rssBefore / 2 ** 20, against: "before the send" }),
    ];
  } finally {
    for (const socket of sockets) socket.close();
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
