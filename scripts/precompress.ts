/**
 * After `vite build`: writes a brotli (.br) and a gzip (.gz) copy beside every built script and
 * stylesheet, at the highest settings (done once per build, not per request), so the server sends
 * them as they are to browsers that accept them (server/pages/precompressed.ts).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const DIRS = ["dist/client/assets", "dist/embed"].map((dir) => resolve(import.meta.dirname, "..", dir));
const TEXT = /\.(js|css|svg|json|map)$/;

let files = 0;
for (const dir of DIRS) {
  for (const name of readdirSync(dir).filter((file) => TEXT.test(file))) {
    const path = join(dir, name);
    const bytes = readFileSync(path);
    writeFileSync(`${path}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
    writeFileSync(`${path}.gz`, gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }));
    files++;
  }
}
if (files === 0) throw new Error("precompress: no built files found; run vite build first.");
