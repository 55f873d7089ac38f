/**
 * Fails (exit 1) when any module of server/, shared/, client/, e2e/, bench/ or scripts/ imports itself through others.
 * madge follows TypeScript imports, type-only ones included, but reads nothing out of .svelte
 * files, so their <script> imports are added to its graph here before the cycle search.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import madge from "madge";

const ROOTS = ["server", "shared", "client", "e2e", "bench", "scripts"];
const SCRIPT = /<script\b[^>]*>([\s\S]*?)<\/script>/g;
const SPECIFIER = /\b(?:import|export)\b[^"';]*?["'](\.{1,2}\/[^"']+)["']|\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

const graph = (await madge(ROOTS, { baseDir: ".", fileExtensions: ["ts", "svelte"], tsConfig: "tsconfig.json" })).obj();

for (const file of Object.keys(graph).filter((name) => name.endsWith(".svelte"))) {
  const scripts = [...readFileSync(file, "utf8").matchAll(SCRIPT)].map((match) => match[1]).join("\n");
  graph[file] = [...scripts.matchAll(SPECIFIER)].map((match) => resolve(file, (match[1] ?? match[2])!));
}

const circles = (await madge(graph)).circular();
for (const circle of circles) console.error(`import circle: ${[...circle, circle[0]].join(" → ")}`);
console.log(`${Object.keys(graph).length} modules, ${circles.length} import circles`);
process.exit(circles.length === 0 ? 0 : 1);

/** A relative import as the file it loads: the .js that names a .ts, or the file itself. */
function resolve(from: string, specifier: string): string {
  const path = normalize(join(dirname(from), specifier));
  const typescript = path.replace(/\.js$/, ".ts");
  return existsSync(typescript) ? typescript : path;
}
