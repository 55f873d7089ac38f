import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

/**
 * Two builds of the same Svelte components: the browser bundles (one small entry per app, hashed,
 * with a manifest the server reads to link them) and, with `--ssr`, the server renderer.
 */
export default defineConfig(({ isSsrBuild }) => ({
  plugins: [svelte()],
  publicDir: false,
  build: isSsrBuild
    ? { outDir: "dist/ssr", emptyOutDir: true, copyPublicDir: false }
    : {
        outDir: "dist/client",
        emptyOutDir: true,
        manifest: true,
        target: "es2022",
        rollupOptions: {
          input: {
            live: "client/entries/live.ts",
            update: "client/entries/update.ts",
            ticker: "client/entries/ticker.ts",
            history: "client/entries/history.ts",
            list: "client/entries/list.ts",
            editor: "client/entries/editor.ts",
            embed: "client/entries/embed.ts",
          },
        },
      },
}));
