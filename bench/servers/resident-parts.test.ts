import { describe, expect, it } from "vitest";
import { residentParts } from "./resident-parts.js";

describe("residentParts", () => {
  it.runIf(process.platform === "linux")("splits this process's resident memory into parts that add up to no more than its RSS", () => {
    const before = residentParts()!;
    // 64 MiB touched in one Buffer: a large allocation, outside V8's pages and glibc's main arena.
    const held = Buffer.alloc(64 * 1024 * 1024, 1);
    const after = residentParts()!;
    const { rss } = process.memoryUsage();
    const sum = after.v8Pages + after.mainArena + after.otherAnonymous + after.files;
    expect(after.v8Pages).toBeGreaterThan(0);
    expect(after.files).toBeGreaterThan(0);
    expect(sum).toBeLessThanOrEqual(rss * 1.01);
    expect(after.otherAnonymous - before.otherAnonymous).toBeGreaterThanOrEqual(60 * 1024 * 1024);
    expect(held[held.length - 1]).toBe(1);
  });
});
