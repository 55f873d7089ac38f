import { describe, expect, it } from "vitest";
import { batchesOf, batchKey, planImport } from "./import-file.js";

describe("import files (npm run import)", () => {
  const older = { id: "e_b", body: "Older", createdAt: "2026-05-24T01:00:00.000Z", updatedAt: "2026-05-24T02:00:00.000Z", kind: "breaking", pinned: true, html: "<p>Older</p>", revision: 3, author: { name: "A" } };
  const newer = { id: "e_a", body: "Newer", headline: "H", createdAt: "2026-05-24T03:00:00.000Z", kind: "update", pinned: false };

  it("reads a story's snapshot, {entries:[…]}, a JSON array and NDJSON alike, oldest first, keeping what a batch carries", () => {
    const expected = [
      { body: "Older", createdAt: older.createdAt, kind: "breaking", pinned: true },
      { body: "Newer", headline: "H", createdAt: newer.createdAt, kind: "update", pinned: false },
    ];
    for (const text of [
      JSON.stringify({ id: "s", version: 9, entries: { e_a: newer, e_b: older } }),
      JSON.stringify({ entries: [newer, older] }),
      JSON.stringify([newer, older]),
      `${JSON.stringify(newer)}\n\n${JSON.stringify(older)}\r\n`,
    ]) {
      expect(planImport(text)).toEqual({ entries: expected, droppedPhotos: 0 });
    }
    expect(planImport(JSON.stringify(newer)).entries).toHaveLength(1);
    expect(planImport("").entries).toEqual([]);
  });

  it("keeps embeds by their URL and leaves photos out (another installation stores them), counting them", () => {
    const media = [
      { type: "image", id: "m_x", alt: "A", width: 10, height: 10 },
      { type: "embed", provider: "youtube", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", title: "T" },
    ];
    expect(planImport(JSON.stringify([{ body: "x", media }, { body: "y", media: [media[0]] }]))).toEqual({
      entries: [{ body: "x", media: [{ type: "embed", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" }] }, { body: "y" }],
      droppedPhotos: 2,
    });
  });

  it("says where a file is not an export", () => {
    expect(() => planImport('{"body":"x"}\nnot json')).toThrow("Line 2 is not JSON");
    expect(() => planImport('{"title":"no entries"}')).toThrow("The file holds no entries");
    expect(() => planImport("[1]")).toThrow("Entry 1 is not a JSON object.");
  });

  it("batches by count and by bytes; each batch's key depends on the story, its place and its content only", () => {
    const entries = Array.from({ length: 1201 }, (_, n) => ({ body: `Entry ${n}` }));
    expect(batchesOf(entries, 4 * 1024 * 1024).map((b) => b.length)).toEqual([500, 500, 201]);
    const bytes = batchesOf(entries.slice(0, 10), 100);
    expect(bytes.every((b) => JSON.stringify({ entries: b }).length <= 100)).toBe(true);
    expect(bytes.flat()).toEqual(entries.slice(0, 10));
    expect(() => batchesOf([{ body: "x".repeat(200) }], 100)).toThrow("alone is");

    const [first] = batchesOf(entries, 4 * 1024 * 1024);
    expect(batchKey("s", 0, first!)).toBe(batchKey("s", 0, structuredClone(first!)));
    expect(batchKey("s", 0, first!)).toMatch(/^import-[0-9a-f]{40}$/);
    expect(new Set([batchKey("s", 0, first!), batchKey("t", 0, first!), batchKey("s", 1, first!), batchKey("s", 0, first!.slice(1))]).size).toBe(4);
  });
});
