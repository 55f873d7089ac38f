/**
 * Old versions are built once (issue 26): a hundred anonymous readers asking at once for a hundred
 * old versions of a 1.2 MB story must not hold the server's event loop for the whole burst (it
 * was held for seconds, /healthz waited 1.4 s), and the same burst again is served from what was
 * built the first time, as is a reader who already has a version (304, nothing rebuilt).
 * Measured in a real server process (main.ts, SQLite) by loop-delay-probe.ts, as in read-cost.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startChild, stopChild, type Child } from "./child-server.js";
import { TOKEN } from "./harness.js";
import { expectError } from "./hostile-assertions.js";
import { askProbe, LOOP_DELAY_PROBE, type LoopDelay } from "./loop-delay.js";
import { longBody } from "./long-prose.js";

const STORY = "long-war-story";
const VERSIONS = 100;
/**
 * The most a burst may hold the loop at once. A hundred requests arriving together are parsed in
 * one turn whatever they ask: 50–110 ms on this shared two-core machine (the 304 burst below,
 * which builds nothing, shows it); one version built adds ~20–30 ms, a GC pause more. Before
 * versions were built one at a time, the same burst held it for over a second.
 */
const HELD_BOUND_MS = 250;

let child: Child;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "live-ticker-old-versions-"));
  child = await startChild(dataDir, { imports: [LOOP_DELAY_PROBE], env: { WRITES_PER_MINUTE: "1000000", VERSION_CACHE_MB: "128" } });
  const write = async (path: string, body: unknown) => {
    const res = await fetch(child.url + path, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBe(201);
  };
  await write("/api/stories", { id: STORY, title: "A long story" });
  for (let n = 1; n < VERSIONS; n++) await write(`/api/stories/${STORY}/entries`, { headline: `Update ${n}`, body: longBody(n) });
  const latest = await (await fetch(`${child.url}/api/stories/${STORY}`)).text();
  expect(latest.length).toBeGreaterThan(1_200_000);
  expect(JSON.parse(latest).version).toBe(VERSIONS);
}, 180_000);

afterAll(async () => {
  if (child) await stopChild(child.process);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const every = Array.from({ length: VERSIONS }, (_, n) => n + 1);

/** Each old version once, all at once; resolves with what the server's loop went through, and the bytes read. */
async function burst(path: (version: number) => string, init: (version: number) => RequestInit = () => ({}), status = 200): Promise<LoopDelay & { bytes: number }> {
  await askProbe(child, "reset");
  const sizes = await Promise.all(
    every.map(async (version) => {
      const res = await fetch(child.url + path(version), init(version));
      const body = await res.arrayBuffer();
      expect(res.status, path(version)).toBe(status);
      return body.byteLength;
    }),
  );
  const delay = await askProbe(child, "read");
  if (process.env.SHOW_DELAYS) console.log(path(0), JSON.stringify(delay));
  return { ...delay, bytes: sizes.reduce((a, b) => a + b, 0) };
}

const cachedBytes = async () => Number(/^live_ticker_cache_bytes\{cache="version-bodies"\} (\d+)$/m.exec(await (await fetch(`${child.url}/metrics`)).text())?.[1]);

it("answers a reader who has a version 304 without building it, immutable, and a version past the latest 404", async () => {
  // Nothing asked for yet: no body kept, and none built for a 304.
  const conditional = await burst(
    (version) => `/api/stories/${STORY}?version=${version}&view=latest`,
    (version) => ({ headers: { "if-none-match": `"${version}"` } }),
    304,
  );
  expect(conditional.bytes).toBe(0);
  expect(conditional.cpuMs).toBeLessThan(300);

  const res = await fetch(`${child.url}/api/stories/${STORY}?version=7&view=latest`, { headers: { "if-none-match": `W/"7", "8"` } });
  expect(res.status).toBe(304);
  expect(res.headers.get("etag")).toBe('"7"');
  expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  const full = await fetch(`${child.url}/api/stories/${STORY}?version=7`);
  expect(full.headers.get("etag")).toBe('"7"');
  expect(full.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  expect((await full.json()).version).toBe(7);
  await expectError(await fetch(`${child.url}/api/stories/${STORY}?version=${VERSIONS + 1}`, { headers: { "if-none-match": `"${VERSIONS + 1}"` } }), 404, "version_not_found");
}, 60_000);

it("a hundred old versions of a 1.2 MB story at once hold the loop one version at a time; the same again comes from the cache", async () => {
  const first = await burst((version) => `/api/stories/${STORY}?version=${version}`);
  expect(first.bytes).toBeGreaterThan(50_000_000);
  // A GC pause or a slow moment of a shared machine can pass the bound once: then the same burst
  // of the other view, built afresh too, is measured. A burst that really holds the loop (over a
  // second before versions were built one at a time) fails both.
  const other = first.heldMs < HELD_BOUND_MS ? undefined : await burst((version) => `/api/stories/${STORY}?version=${version}&view=latest`);
  expect(Math.min(first.heldMs, other?.heldMs ?? Infinity)).toBeLessThan(HELD_BOUND_MS);
  // Every body is kept (VERSION_CACHE_MB=128 here), and /metrics says how much that is.
  expect(await cachedBytes()).toBe(first.bytes + (other?.bytes ?? 0));

  const again = await burst((version) => `/api/stories/${STORY}?version=${version}`);
  expect(again.bytes).toBe(first.bytes);
  // Nothing rebuilt, parsed or serialized: sending 60 MB costs a fraction of building it.
  expect(again.cpuMs).toBeLessThan(first.cpuMs / 3);
  expect(again.heldMs).toBeLessThan(HELD_BOUND_MS);
}, 120_000);
