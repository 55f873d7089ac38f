import { defineConfig } from "vite";

/** /embed.js: one classic script (no modules, no chunks) that publishers load from their pages. */
export default defineConfig({
  publicDir: false,
  build: {
    outDir: "dist/embed",
    emptyOutDir: true,
    target: "es2019",
    lib: { entry: "client/embed/host-script.ts", formats: ["iife"], name: "liveTickerEmbed", fileName: () => "embed.js" },
  },
});
