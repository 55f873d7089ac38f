import { expect, it } from "vitest";
import { REBUILT_JSON_BUDGET, RebuiltVersions } from "./rebuilt-versions.js";

it("keeps rebuilt versions within its budget in bytes of JSON, the latest rebuilt kept", async () => {
  const rebuilt = new RebuiltVersions();
  // A story of about a megabyte, as a long live story becomes: each version rebuilt is a whole copy.
  const entries = Object.fromEntries(Array.from({ length: 2_500 }, (_, i) => [`e${i}`, { id: `e${i}`, body: "x".repeat(400) }]));
  const checkpoint = JSON.stringify({ id: "long", version: 1, title: "Long", entries });
  let reads = 0;
  const read = async () => (reads++, { checkpoint, ops: [] });
  for (let version = 1; version <= 40; version++) await rebuilt.get("long", version, read);
  expect(rebuilt.bytes).toBeGreaterThan(0);
  // One copy of a big story, not dozens (at 32 MB, 40 rebuilds kept 32 of these; at 8 MB, 7).
  expect(rebuilt.bytes).toBeLessThanOrEqual(REBUILT_JSON_BUDGET);
  expect(REBUILT_JSON_BUDGET).toBeLessThanOrEqual(2 * 1024 * 1024);
  await rebuilt.get("long", 40, read);
  expect(reads).toBe(40);
});
