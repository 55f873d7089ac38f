import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { Row } from "./report.js";

/**
 * Keeps the bench from rotting: `npm run bench -- --quick` must run every scenario end to end and
 * produce a number for each figure. No timing is asserted here; the numbers are the bench's to report.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("npm run bench -- --quick", () => {
  it("runs all seven scenarios against live-ticker and its baselines and reports a number for every figure", { timeout: 180_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick"], {
      cwd: ROOT,
      maxBuffer: 10 * 1024 * 1024,
    });
    const file = /^results: (.+)$/m.exec(stdout)?.[1];
    expect(file, stdout).toBeDefined();
    const results = JSON.parse(readFileSync(file!, "utf8")) as { machine: { cpu: string; node: string }; date: string; rows: Row[] };
    rmSync(file!);

    expect(results.machine.node).toBe(process.version);
    const scenarios = new Set(results.rows.map((row) => row.scenario.split(" ")[0]));
    expect([...scenarios].sort()).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    for (const row of results.rows) {
      expect(Number.isFinite(row.ticker), `${row.scenario} ${row.figure}`).toBe(true);
      // At a quick run's 50 readers a baseline's RSS can move by nothing (it grows in whole pages): no ratio then.
      if (row.baseline !== undefined && row.baseline !== 0) expect(Number.isFinite(row.ratio), `${row.scenario} ${row.figure} ratio`).toBe(true);
    }
    // Every audience reports fan-out against raw ws and the serialization counter.
    for (const n of ["50", "5×10"]) {
      expect(results.rows.some((row) => row.n === n && row.figure === "latency p99" && row.against === "raw ws")).toBe(true);
      expect(results.rows.find((row) => row.n === n && row.figure === "snapshot serializations")?.ticker).toBeGreaterThan(0);
    }
    // The table on stdout carries the same rows.
    expect(stdout.split("\n").filter((line) => /^\| \d /.test(line))).toHaveLength(results.rows.length);
  });
});
