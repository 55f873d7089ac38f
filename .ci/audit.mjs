#!/usr/bin/env node
// npm audit for CI: known advisories in what production installs (`--omit=dev`), judged here.
// A high or critical advisory fails the run (exit 1). An audit that could not run because the
// advisory endpoint was unreachable (offline runner, a registry mirror without the audit API) is
// no finding either way: it prints a loud warning and exits 0, so that a network outage does not
// block every merge, while the next run that reaches the endpoint still decides. Anything else
// npm says is a failure (exit 2), so that a broken audit cannot pass unnoticed.
import { spawnSync } from "node:child_process";

const FAILING = ["critical", "high"];
const UNREACHABLE_CODES = /^(E\d{3}|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|EPROTO|ECONNABORTED|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)$/;

const run = spawnSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  console.error(`npm audit: unreadable output (exit ${run.status})\n${run.stdout}\n${run.stderr}`);
  process.exit(2);
}

const counts = report?.metadata?.vulnerabilities;
if (counts && typeof counts === "object") {
  const failing = Object.values(report.vulnerabilities ?? {}).filter((v) => FAILING.includes(v.severity));
  const summary = Object.entries(counts).map(([level, n]) => `${level} ${n}`).join(", ");
  if (failing.length === 0) {
    console.log(`npm audit (production dependencies): no high or critical advisories (${summary}).`);
    process.exit(0);
  }
  console.error(`npm audit (production dependencies): ${failing.length} package(s) with high or critical advisories (${summary}):`);
  for (const v of failing) {
    const advisories = (v.via ?? []).filter((via) => typeof via === "object").map((via) => `${via.title} ${via.url}`);
    const through = (v.via ?? []).filter((via) => typeof via === "string");
    console.error(`  ${v.severity.toUpperCase()} ${v.name}${v.range ? ` ${v.range}` : ""}: ${[...advisories, ...through.map((name) => `via ${name}`)].join("; ")}`);
    console.error(`    fix: ${v.fixAvailable === false ? "none yet" : v.fixAvailable === true ? "npm audit fix" : `upgrade ${v.fixAvailable.name} to ${v.fixAvailable.version}`}`);
  }
  process.exit(1);
}

// No report: npm could not ask. Its --json error names the HTTP status or the network error.
const code = String(report?.code ?? report?.error?.code ?? (report?.statusCode ? `E${report.statusCode}` : ""));
const message = report?.message ?? report?.error?.summary ?? JSON.stringify(report);
if (UNREACHABLE_CODES.test(code) || /audit endpoint|request to .* failed|network|socket hang up/i.test(message)) {
  const bar = "!".repeat(100);
  console.error(`${bar}\n!!! WARNING: npm audit could not reach the advisory endpoint (${code || "no code"}: ${message}).`);
  console.error("!!! Production dependencies were NOT checked for known vulnerabilities in this run.");
  console.error(`!!! Run \`npm audit --omit=dev --audit-level=high\` where the registry's audit API is reachable.\n${bar}`);
  if (process.env.GITHUB_ACTIONS) console.log(`::warning title=npm audit skipped::advisory endpoint unreachable (${code})`);
  process.exit(0);
}
console.error(`npm audit failed (exit ${run.status}): ${message}\n${run.stderr}`);
process.exit(2);
