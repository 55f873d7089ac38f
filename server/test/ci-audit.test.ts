/**
 * The CI audit step (.ci/audit.mjs, run by .ci/run after `npm ci`): real `npm audit` on this
 * repository's lockfile, pointed at a stand-in registry on 127.0.0.1 that answers the bulk
 * advisory request as the npm registry would. High or critical advisories in production
 * dependencies fail the step; dev-only or lower ones do not; an unreachable endpoint warns loudly
 * and passes.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./child-server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What the stand-in answers to POST /-/npm/v1/security/advisories/bulk: a status and advisories by package. */
let answer: { status: number; advisories: Record<string, unknown[]> } = { status: 200, advisories: {} };

const advisory = (severity: string) => ({
  id: 1,
  url: "https://github.com/advisories/GHSA-test-0000-0000",
  title: `A ${severity} test advisory`,
  severity,
  vulnerable_versions: "<1000.0.0",
  cwe: ["CWE-400"],
  cvss: { score: 7.5, vectorString: null },
});

let registry: Server;
let registryUrl: string;

beforeAll(async () => {
  registry = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method === "POST" && req.url?.startsWith("/-/npm/v1/security/advisories/bulk")) {
        res.writeHead(answer.status, { "content-type": "application/json" });
        return void res.end(answer.status === 200 ? JSON.stringify(answer.advisories) : "");
      }
      // Packuments (npm looks up fixes): none here, as for a package that has no fixed release.
      res.writeHead(404, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;
});
const caches: string[] = [];
afterAll(async () => {
  await new Promise<void>((resolve) => registry.close(() => resolve()));
  for (const dir of caches) rmSync(dir, { recursive: true, force: true });
});

async function audit(registryAt: string): Promise<{ code: number | null; output: string }> {
  const cache = mkdtempSync(join(tmpdir(), "live-ticker-audit-cache-"));
  caches.push(cache);
  const child = spawn(process.execPath, [".ci/audit.mjs"], {
    cwd: ROOT,
    // A cache of its own: npm keeps advisory answers, and each case here needs a fresh one.
    env: { ...process.env, npm_config_registry: registryAt, npm_config_cache: cache, npm_config_fetch_retries: "0", GITHUB_ACTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, output };
}

describe("CI: npm audit of production dependencies", { timeout: 30_000 }, () => {
  it("fails on a high advisory in a production dependency, naming it", async () => {
    answer = { status: 200, advisories: { express: [advisory("high")] } };
    const { code, output } = await audit(registryUrl);
    expect(code, output).toBe(1);
    expect(output).toContain("HIGH express");
    expect(output).toContain("GHSA-test-0000-0000");
  });

  it("fails on a critical one", async () => {
    answer = { status: 200, advisories: { "socket.io": [advisory("critical")] } };
    const { code, output } = await audit(registryUrl);
    expect(code, output).toBe(1);
    expect(output).toContain("CRITICAL socket.io");
  });

  it("passes with advisories below high, or only in dev dependencies", async () => {
    answer = { status: 200, advisories: { express: [advisory("moderate")], vitest: [advisory("critical")] } };
    const { code, output } = await audit(registryUrl);
    expect(code, output).toBe(0);
    // Counted per package: express, and what depends on it in production (altcha-lib does).
    expect(output).toMatch(/no high or critical advisories \(.*moderate [1-9].*\)/);
  });

  it("warns loudly and passes when the endpoint refuses the request (HTTP 405, as behind some proxies)", async () => {
    answer = { status: 405, advisories: {} };
    const { code, output } = await audit(registryUrl);
    expect(code, output).toBe(0);
    expect(output).toContain("WARNING: npm audit could not reach the advisory endpoint");
    expect(output).toContain("NOT checked");
  });

  it("warns loudly and passes when nothing listens there", async () => {
    const { code, output } = await audit(`http://127.0.0.1:${await freePort()}/`);
    expect(code, output).toBe(0);
    expect(output).toMatch(/WARNING: npm audit could not reach the advisory endpoint.*ECONNREFUSED/);
  });
});
