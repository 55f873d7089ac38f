import { readFileSync } from "node:fs";

/**
 * The process's resident memory by what holds it, from /proc/self/smaps (Linux; undefined
 * elsewhere), so that a soak names what grows instead of one RSS figure: V8's heap pages (its
 * spaces are made of 256 KiB mappings), glibc's main arena (the `[heap]` mapping), every other
 * anonymous mapping (glibc's per-thread arenas of the thread pool, large allocations, V8's large
 * objects and code) and mapped files (the binary, libraries, SQLite's shared memory).
 */
export interface ResidentParts {
  v8Pages: number;
  mainArena: number;
  otherAnonymous: number;
  files: number;
}

const V8_PAGE_BYTES = 256 * 1024;

export function residentParts(): ResidentParts | undefined {
  let smaps: string;
  try {
    smaps = readFileSync("/proc/self/smaps", "utf8");
  } catch {
    return undefined;
  }
  const parts: ResidentParts = { v8Pages: 0, mainArena: 0, otherAnonymous: 0, files: 0 };
  let part: keyof ResidentParts | undefined;
  for (const line of smaps.split("\n")) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const bytes = Number.parseInt(mapping[2]!, 16) - Number.parseInt(mapping[1]!, 16);
      const name = mapping[3]!;
      part = name === "[heap]" ? "mainArena" : name === "" ? (bytes === V8_PAGE_BYTES ? "v8Pages" : "otherAnonymous") : name.startsWith("[") ? undefined : "files";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && part) parts[part] += Number(rss[1]) * 1024;
  }
  return parts;
}
