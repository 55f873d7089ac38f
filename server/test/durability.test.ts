import Database from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { EntryResponse, HistoryResponse } from "../../shared/api.js";
import type { Snapshot } from "../../shared/story.js";
import { TOKEN } from "./harness.js";

/**
 * Durability (DESIGN.md §3: "A write is acknowledged only after it is durable and its version is
 * assigned"): the real server runs as a child process under a stream of writes and is killed with
 * SIGKILL; after a restart on the same DATA_DIR every acknowledged write is there, versions gap-free.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const STORY = "durability-story";
const TARGET_ACKS = 150;
const MAX_WRITE_MS = 1_500;
const WRITERS = 4;

interface Child {
  process: ChildProcess;
  url: string;
  output: () => string;
}

interface Ack {
  key: string;
  body: string;
  entryId: string;
  version: number;
}

/** A free TCP port: bind port 0, read the port, close. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `node --import tsx server/main.ts` and resolves once it logs "live-ticker listening". */
async function startChild(dataDir: string): Promise<Child> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    TICKER_ADMIN_TOKEN: TOKEN,
    LOG_LEVEL: "info",
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.PUBLIC_URL;
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));

  let stdout = "";
  let stderr = "";
  const output = () => `--- stdout (tail) ---\n${stdout.slice(-4000)}\n--- stderr (tail) ---\n${stderr.slice(-4000)}`;
  const url = await new Promise<string>((resolve, reject) => {
    let pending = "";
    const timer = setTimeout(() => reject(new Error(`server did not start within 20 s\n${output()}`)), 20_000);
    // Keep both pipes drained for the child's whole life, or it blocks on a full pipe.
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stdout = (stdout + text).slice(-100_000);
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        try {
          const record = JSON.parse(line) as { msg?: string; url?: string };
          if (record.msg === "live-ticker listening" && record.url) {
            clearTimeout(timer);
            resolve(record.url);
          }
        } catch {
          /* not a JSON line */
        }
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening (code ${code}, signal ${signal})\n${output()}`));
    });
  });
  return { process: child, url, output };
}

/** Resolves when the child has exited; kills it with SIGKILL if SIGTERM does not stop it in time. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

const children = new Set<ChildProcess>();
const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-durability-"));

afterAll(async () => {
  await Promise.all([...children].map((child) => stopChild(child, "SIGKILL")));
  rmSync(dataDir, { recursive: true, force: true });
});

function request(base: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, ...init.headers };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return fetch(base + path, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

describe("durability", () => {
  it("keeps every acknowledged write, gap-free, across a SIGKILL", { timeout: 60_000 }, async () => {
    // ---- first life: create the story, stream writes, kill -9 mid-stream ----
    const first = await startChild(dataDir);
    const created = await request(first.url, "/api/stories", { body: { id: STORY, title: "Durability under SIGKILL" } });
    expect(created.status, first.output()).toBe(201);
    expect(((await created.json()) as Snapshot).version).toBe(1);

    const acks: Ack[] = [];
    const attempted = new Map<string, string>(); // body → idempotency key, for every write sent
    let stop = false;
    let inFlight = 0;
    let inFlightAtKill = -1;
    let unexpected: string | undefined;
    const kill = () => {
      if (stop) return;
      stop = true;
      inFlightAtKill = inFlight;
      first.process.kill("SIGKILL");
    };
    const deadline = setTimeout(kill, MAX_WRITE_MS);

    const writer = async (w: number) => {
      for (let seq = 1; !stop; seq++) {
        const key = `durability-${w}-${seq}-${randomUUID()}`;
        const body = `Writer ${w}, write ${seq}: ${randomUUID()}`;
        attempted.set(body, key);
        inFlight++;
        try {
          const res = await request(first.url, `/api/stories/${STORY}/entries`, { body: { body }, headers: { "idempotency-key": key } });
          const json = (await res.json()) as EntryResponse;
          inFlight--;
          if (res.status === 201) {
            acks.push({ key, body, entryId: json.entry.id, version: json.version });
            if (acks.length >= TARGET_ACKS) kill();
          } else if (!stop) {
            unexpected ??= `writer ${w}: HTTP ${res.status} ${JSON.stringify(json)}`;
            kill();
          }
        } catch {
          // The connection died with the server: this write was never acknowledged.
          if (!stop) unexpected ??= `writer ${w}: request failed before the kill`;
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    clearTimeout(deadline);
    await stopChild(first.process, "SIGKILL");
    expect(first.process.signalCode).toBe("SIGKILL");
    expect(unexpected, first.output()).toBeUndefined();
    expect(inFlightAtKill).toBeGreaterThan(0); // killed while other writes were still outstanding
    expect(acks.length).toBeGreaterThan(10);

    // Every acknowledged version is unique, and none is 1 (the creation).
    const ackedVersions = acks.map((a) => a.version);
    expect(new Set(ackedVersions).size).toBe(ackedVersions.length);
    expect(Math.min(...ackedVersions)).toBeGreaterThanOrEqual(2);
    const maxAcked = Math.max(...ackedVersions);
    const lastAck = acks.find((a) => a.version === maxAcked)!;

    // ---- second life: same DATA_DIR ----
    const second = await startChild(dataDir);
    try {
      const latestRes = await request(second.url, `/api/stories/${STORY}`);
      expect(latestRes.status, second.output()).toBe(200);
      const latest = (await latestRes.json()) as Snapshot;
      expect(latestRes.headers.get("etag")).toBe(`"${latest.version}"`);
      expect(latest.version).toBeGreaterThanOrEqual(maxAcked);

      // Every acknowledged entry is present with the body that was sent.
      for (const ack of acks) {
        expect(latest.entries[ack.entryId], `acknowledged entry ${ack.entryId} (v${ack.version}) lost`).toBeDefined();
        expect(latest.entries[ack.entryId]!.body).toBe(ack.body);
      }
      // Only adds happened after creation, so the snapshot holds exactly version - 1 entries, and
      // each of them is one we sent (an unacknowledged in-flight write may have committed too).
      const entries = Object.values(latest.entries);
      expect(entries).toHaveLength(latest.version - 1);
      for (const entry of entries) expect(attempted.has(entry.body), `unknown entry ${entry.id}`).toBe(true);

      // History: exactly 1..latest, newest first, no gap, no duplicate.
      const historyRes = await request(second.url, `/api/stories/${STORY}/history?limit=500`);
      expect(historyRes.status).toBe(200);
      const history = (await historyRes.json()) as HistoryResponse;
      expect(history.versions.map((v) => v.version)).toEqual(Array.from({ length: latest.version }, (_, i) => latest.version - i));

      // Any version can be read back; pick the first, a middle one, the last acknowledged, and latest.
      const sample = [...new Set([1, ackedVersions[Math.floor(ackedVersions.length / 2)]!, maxAcked - 1, maxAcked, latest.version])];
      for (const n of sample) {
        const res = await request(second.url, `/api/stories/${STORY}?version=${n}`);
        expect(res.status, `GET ?version=${n}`).toBe(200);
        const snapshot = (await res.json()) as Snapshot;
        expect(snapshot.version).toBe(n);
        expect(Object.keys(snapshot.entries)).toHaveLength(n - 1);
        for (const ack of acks) {
          if (ack.version <= n) expect(snapshot.entries[ack.entryId]?.body, `v${n} lacks entry of v${ack.version}`).toBe(ack.body);
          else expect(snapshot.entries[ack.entryId], `v${n} has entry of v${ack.version}`).toBeUndefined();
        }
      }
      const atLast = (await (await request(second.url, `/api/stories/${STORY}?version=${maxAcked}`)).json()) as Snapshot;
      expect(atLast.entries[lastAck.entryId]?.body).toBe(lastAck.body);

      // A retry of an acknowledged write with its Idempotency-Key replays the first answer.
      const retried = acks[Math.floor(acks.length / 3)]!;
      const replay = await request(second.url, `/api/stories/${STORY}/entries`, {
        body: { body: retried.body },
        headers: { "idempotency-key": retried.key },
      });
      expect(replay.status).toBe(201);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      const replayed = (await replay.json()) as EntryResponse;
      expect(replayed.entry.id).toBe(retried.entryId);
      expect(replayed.version).toBe(retried.version);
      const after = (await (await request(second.url, `/api/stories/${STORY}`)).json()) as Snapshot;
      expect(after.version).toBe(latest.version);
      expect(Object.keys(after.entries)).toHaveLength(entries.length);
    } finally {
      await stopChild(second.process, "SIGTERM");
    }
    expect(second.process.exitCode, second.output()).toBe(0);

    // ---- the file itself: intact, and the version log is 1..N ----
    const db = new Database(join(dataDir, "live-ticker.db"), { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      const versions = db
        .prepare<[string], { version: number }>("SELECT version FROM versions WHERE story_id = ? ORDER BY version")
        .all(STORY)
        .map((row) => row.version);
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
      expect(versions.length).toBeGreaterThanOrEqual(maxAcked);
    } finally {
      db.close();
    }
  });
});
