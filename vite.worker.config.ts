import { defineConfig } from "vite";

/** /alert-worker.js: the alerts' service worker, one classic script (service workers load no modules everywhere). */
export default defineConfig({
  publicDir: false,
  build: {
    outDir: "dist/push",
    emptyOutDir: true,
    target: "es2019",
    lib: { entry: "client/push/alert-worker.ts", formats: ["iife"], name: "liveTickerAlerts", fileName: () => "alert-worker.js" },
  },
});
