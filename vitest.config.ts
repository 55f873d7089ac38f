import { configDefaults, defineConfig } from "vitest/config";

/**
 * Suites that measure the server's event loop and memory while they attack it: beside a browser
 * test or another child server on 2 cores they would measure their neighbour, so `npm test` runs
 * them after the rest, one file at a time (the "alone" project).
 */
const EVERY = ["shared/**/*.test.ts", "server/**/*.test.ts", "client/**/*.test.ts", "e2e/**/*.test.ts", "bench/**/*.test.ts"];
const ALONE = ["server/test/hostile-attack-*.test.ts", "server/test/old-versions.test.ts"];

export default defineConfig({
  test: {
    // The message catalogs compiled (scripts/messages.ts) before any test imports them.
    globalSetup: ["scripts/vitest-messages.ts"],
    // Suites that drive a real browser or child processes share 2 cores: keep them from starving each other.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: "suite", include: EVERY, exclude: [...configDefaults.exclude, ...ALONE] } },
      { extends: true, test: { name: "alone", include: ALONE, fileParallelism: false } },
    ],
  },
});
