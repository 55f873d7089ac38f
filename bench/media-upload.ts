/**
 * Measures what README "Photos" reports: the time from sending a ~5 MB phone photo (4000 × 3000,
 * noisy, so encoders get no easy ride) to its 201 (decoded, nine variants encoded, stored durably),
 * then to a reader's socket receiving the entry that shows it (upload, publish, patch: "visible"),
 * and the server's peak RSS while it processes one photo and ten at once. The server runs as its
 * own process; its peak RSS is read from /proc (VmHWM, reset before each run). Linux only.
 *
 *   npx tsx bench/media-upload.ts
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { io } from "socket.io-client";
import { startChild, stopChild } from "../server/test/child-server.js";
import { TOKEN } from "../server/test/harness.js";

const dir = mkdtempSync(join(tmpdir(), "live-ticker-media-bench-"));
const MB = 1024 * 1024;

async function phonePhoto(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 4000, height: 3000, channels: 3, background: "#000000", noise: { type: "gaussian", mean: 110 + seed, sigma: 30 } } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

const status = (pid: number, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
/** Resets the peak RSS the kernel keeps for the process (proc(5): clear_refs, value 5). */
const resetPeak = (pid: number) => writeFileSync(`/proc/${pid}/clear_refs`, "5");

const photos: Buffer[] = [];
for (let n = 0; n < 11; n++) photos.push(await phonePhoto(n));
console.log(`photo: 4000 × 3000 JPEG, ${(photos[0]!.length / MB).toFixed(1)} MB`);

const child = await startChild(join(dir, "data"), { env: { WRITES_PER_MINUTE: "1000", ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}) } });
const pid = child.process.pid!;
const upload = async (bytes: Buffer) => {
  const started = performance.now();
  const res = await fetch(`${child.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: new Uint8Array(bytes) });
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
  return performance.now() - started;
};
try {
  const idle = status(pid, "VmRSS");
  resetPeak(pid);
  // A reader follows the demo story; "visible" is when the patch carrying the photo reaches it.
  const reader = io(child.url, { transports: ["websocket"], forceNew: true });
  const subscribed = await reader.emitWithAck("subscribe", { storyId: "kyiv-strikes" });
  if (!subscribed.ok) throw new Error(`subscribe: ${JSON.stringify(subscribed)}`);
  const seen = new Promise<number>((resolve) =>
    reader.on("patch", (patch: { ops: { path: string; value?: unknown }[] }) => {
      if (JSON.stringify(patch.ops).includes('"type":"image"')) resolve(performance.now());
    }),
  );
  const started = performance.now();
  const res = await fetch(`${child.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: new Uint8Array(photos[0]!) });
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
  const one = performance.now() - started;
  const { id } = (await res.json()) as { id: string };
  const posted = await fetch(`${child.url}/api/stories/kyiv-strikes/entries`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ body: "The damaged building from the street.", media: [{ type: "image", id, alt: "A damaged apartment building" }] }),
  });
  if (posted.status !== 201) throw new Error(`entry: ${posted.status} ${await posted.text()}`);
  const visible = (await seen) - started;
  reader.close();
  console.log(
    `one upload: ${(one / 1000).toFixed(2)} s to 201, ${(visible / 1000).toFixed(2)} s until a reader's socket has the entry showing it; RSS idle ${idle.toFixed(0)} MB, peak ${status(pid, "VmHWM").toFixed(0)} MB`,
  );

  resetPeak(pid);
  const tenStarted = performance.now();
  const times = await Promise.all(photos.slice(1).map(upload));
  console.log(
    `ten at once: all stored after ${((performance.now() - tenStarted) / 1000).toFixed(1)} s (first ${(Math.min(...times) / 1000).toFixed(1)} s, last ${(Math.max(...times) / 1000).toFixed(1)} s); peak RSS ${status(pid, "VmHWM").toFixed(0)} MB`,
  );
} finally {
  await stopChild(child.process);
  rmSync(dir, { recursive: true, force: true });
}
