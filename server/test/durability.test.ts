import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { EntryResponse, HistoryResponse } from "../../shared/api.js";
import { applyPatchesInPlace, type PatchOp } from "../../shared/patch.js";
import type { Snapshot } from "../../shared/story.js";
import { children, startChild, stopChild } from "./child-server.js";
import { TOKEN, UNTHROTTLED } from "./harness.js";

/**
 * Durability (DESIGN.md §3: "A write is acknowledged only after it is durable and its version is
 * assigned"): the real server runs as a child process under a stream of writes and is killed with
 * SIGKILL; after a restart on the same DATA_DIR every acknowledged write is there, versions gap-free.
 */

const STORY = "durability-story";
const TARGET_ACKS = 150;
const MAX_WRITE_MS = 1_500;
const WRITERS = 4;

interface Ack {
  key: string;
  body: string;
  entryId: string;
  version: number;
}

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
    const first = await startChild(dataDir, { env: UNTHROTTLED });
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
    let served: Snapshot | undefined;
    const second = await startChild(dataDir, { env: UNTHROTTLED });
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
      served = after;
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
      // The latest state is kept in pieces (a head row, a row per entry) beside the log: after the
      // kill they agree, i.e. the newest checkpoint plus every patch since is what the server served.
      const checkpoint = db
        .prepare<[string], { snapshot: string; version: number }>("SELECT snapshot, version FROM checkpoints WHERE story_id = ? ORDER BY version DESC LIMIT 1")
        .get(STORY)!;
      const patches = db
        .prepare<[string, number], string>("SELECT ops FROM versions WHERE story_id = ? AND version > ? ORDER BY version")
        .pluck()
        .all(STORY, checkpoint.version)
        .map((ops) => JSON.parse(ops) as PatchOp[]);
      expect(applyPatchesInPlace(JSON.parse(checkpoint.snapshot) as Snapshot, patches)).toEqual(served);
    } finally {
      db.close();
    }
  });
});
