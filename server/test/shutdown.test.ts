import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { EntryResponse } from "../../shared/api.js";
import type { Snapshot } from "../../shared/story.js";
import { LeanSocket } from "../../bench/load/lean-socket.js";
import { children, startChild, stopChild } from "./child-server.js";
import { TOKEN, UNTHROTTLED } from "./harness.js";
import { scrape } from "./scrape.js";

/** Resolves when `check` holds, polling; fails with `what` after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A POST whose body is sent in two parts, so that it can be under way when the server is told to stop. */
function twoPartPost(url: string, body: string) {
  const req = request(url, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once("error", reject);
    req.once("response", (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.once("end", () => resolve({ status: res.statusCode!, body: text }));
    });
  });
  req.write(body.slice(0, 10));
  return { answered, finish: () => req.end(body.slice(10)) };
}

describe("SIGTERM on a single node", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-shutdown-"));
  afterAll(async () => {
    await Promise.all([...children].map((child) => stopChild(child, "SIGKILL")));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("stops accepting, answers the write under way, drops a reader that stopped reading without waiting on it, and exits 0", { timeout: 120_000 }, async () => {
    const server = await startChild(dataDir, { env: UNTHROTTLED });
    const post = async (path: string, body: unknown) => {
      const res = await fetch(server.url + path, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      return res.json();
    };
    await post("/api/stories", { id: "closing", title: "Closing" });
    const rolling = ((await post("/api/stories/closing/entries", { body: "Rolling" })) as EntryResponse).entry.id;

    // A reader that stops reading, until the server holds a queue for it: its connection cannot
    // finish a WebSocket closing handshake, which would keep the process 30 s.
    const stalled = new LeanSocket(server.url, "socketio", () => {});
    await stalled.opened;
    expect(await stalled.emitWithAck("subscribe", { storyId: "closing" })).toMatchObject({ ok: true });
    stalled.pause();
    for (let n = 0; n % 20 !== 0 || ((await scrape(server.url)).value("live_ticker_queued_bytes") ?? 0) === 0; n++) {
      if (n > 2_000) throw new Error("the stalled reader's queue never grew");
      const res = await fetch(`${server.url}/api/stories/closing/entries/${rolling}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ body: `Update ${n}: ${"more to follow. ".repeat(500)}` }),
      });
      expect(res.status).toBe(200);
    }

    const write = twoPartPost(`${server.url}/api/stories/closing/entries`, JSON.stringify({ body: "Written while the server stops", headline: "Last" }));
    await new Promise((r) => setTimeout(r, 200)); // the request is in the server's hands
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      server.process.once("exit", (code, signal) => resolve({ code, signal })),
    );
    server.process.kill("SIGTERM");
    await until(() => fetch(`${server.url}/healthz`).then(() => false, () => true), "the server to refuse new connections");
    write.finish();
    const answer = await write.answered;
    expect(answer.status).toBe(201);
    const { entry, version } = JSON.parse(answer.body) as EntryResponse;
    // Well short of the stalled reader's 30 s closing handshake; past this, the test kills the server.
    const kill = setTimeout(() => server.process.kill("SIGKILL"), 20_000);
    expect(await exited).toEqual({ code: 0, signal: null });
    clearTimeout(kill);
    stalled.close();

    // The write answered during the shutdown is in the store.
    const again = await startChild(dataDir, { env: UNTHROTTLED });
    const stored = (await (await fetch(`${again.url}/api/stories/closing`)).json()) as Snapshot;
    expect(stored.version).toBe(version);
    expect(stored.entries[entry.id]).toEqual(entry);
    await stopChild(again.process);
  });
});
