import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The message catalogs compiled (scripts/messages.ts) before any test imports them.
    globalSetup: ["scripts/vitest-messages.ts"],
    include: ["shared/**/*.test.ts", "server/**/*.test.ts", "client/**/*.test.ts", "e2e/**/*.test.ts", "bench/**/*.test.ts"],
    // Suites that drive a real browser or child processes share 2 cores: keep them from starving each other.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
