import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("./heap-compaction.ts", import.meta.url));

/**
 * Fills the old generation with pages that keep one object in twenty-five, collects, then sets
 * the flag (or not) and collects again: prints old space's committed and used MB.
 */
const FRAGMENT = `
import { getHeapSpaceStatistics } from "node:v8";
import { compactOnEveryFullGc } from ${JSON.stringify(MODULE)};
const oldSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === "old_space");
const kept = [];
for (let round = 0; round < 100; round++) {
  const batch = [];
  for (let i = 0; i < 20000; i++) batch.push({ i, text: "y".repeat(30) + i });
  gc({ type: "minor" });
  gc({ type: "minor" });
  kept.push(batch.filter((_, i) => i % 25 === 0));
}
gc();
if (process.argv.includes("compact")) compactOnEveryFullGc();
gc();
gc();
const { space_size, space_used_size } = oldSpace();
console.log(JSON.stringify({ committed: space_size / 1e6, used: space_used_size / 1e6, kept: kept.length }));
`;

function oldSpaceAfter(compact: boolean): { committed: number; used: number } {
  const args = ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", FRAGMENT, "--", ...(compact ? ["compact"] : [])];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8" })) as { committed: number; used: number };
}

describe("compactOnEveryFullGc", () => {
  // Guards that V8 still takes the flag once started (Node could freeze flags after start-up):
  // without it, a full collection leaves the fragmented pages committed.
  it("has a full collection give back the old generation's part-empty pages", { timeout: 30_000 }, () => {
    const plain = oldSpaceAfter(false);
    const compacted = oldSpaceAfter(true);
    expect(plain.committed).toBeGreaterThan(plain.used * 1.5);
    expect(compacted.committed).toBeLessThan(compacted.used * 1.2);
  });
});
