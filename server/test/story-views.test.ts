/**
 * The latest view and the entry pages over HTTP (DESIGN.md §3, §4): `?view=latest`, and
 * `GET /api/stories/:id/entries?before=&limit=`, on a real server with a real SQLite file.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EntriesPage } from "../../shared/entry-pages.js";
import { newEntryId } from "../../shared/ids.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { startServer, UNTHROTTLED, type TestServer } from "./harness.js";

const VIEW = 10;
const STORY = "long-night";
const MARATHON = "marathon";
const desk = { author: { name: "Night desk" } };
let server: TestServer;
let second = 0;

/** Adds entries through the service (the write routes' own path), a second apart so their order is plain. */
async function addEntries(count: number, fields: Partial<Entry> = {}, storyId = STORY): Promise<void> {
  for (let n = 0; n < count; n++) {
    const at = new Date(Date.UTC(2026, 4, 24, 0, 0, ++second)).toISOString();
    await server.app.service.apply(storyId, { type: "add_entry", entryId: newEntryId(), body: `Update ${second}`, kind: "update", pinned: fields.pinned ?? false }, { ...desk, at });
  }
}

const json = async <T>(path: string, headers: Record<string, string> = {}) => {
  const response = await server.api(path, { auth: false, headers });
  return { response, body: (await response.json()) as T };
};

// 2,000 durable writes cost minutes of fsync on a disk and seconds in memory: what is tested here
// is reading, so the SQLite file lives on tmpfs where there is one (durability has its own suite).
const dataDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "live-ticker-views-"));

beforeAll(async () => {
  server = await startServer({ dataDir, env: { LATEST_VIEW_ENTRIES: String(VIEW), MAX_ENTRIES_PER_STORY: "2500", ...UNTHROTTLED } });
  await server.app.service.createStory({ id: STORY, title: "A long night" }, desk);
  await addEntries(2, { pinned: true });
  await addEntries(30);
  // Written before any request, so that no idle keep-alive connection is closed under a request.
  await server.app.service.createStory({ id: MARATHON, title: "Marathon" }, desk);
  await addEntries(2000, {}, MARATHON);
}, 300_000);
afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("GET /api/stories/:id?view=latest", () => {
  it("returns the pinned entries and the newest LATEST_VIEW_ENTRIES, every story field, with the version's ETag and revalidation", async () => {
    const { body: full } = await json<Snapshot>(`/api/stories/${STORY}`);
    const { response, body: view } = await json<Snapshot>(`/api/stories/${STORY}?view=latest`);
    expect(response.status).toBe(200);
    expect(response.headers.get("etag")).toBe(`"${full.version}"`);
    expect(response.headers.get("cache-control")).toBe("public, max-age=0, s-maxage=5, stale-while-revalidate=60");
    expect(Object.keys(view.entries)).toHaveLength(2 + VIEW);
    const { entries: _a, ...fields } = full;
    const { entries: _b, ...viewFields } = view;
    expect(viewFields).toEqual(fields);
    const newest = Object.values(full.entries).filter((entry) => !entry.pinned).sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, VIEW);
    for (const entry of [...newest, ...Object.values(full.entries).filter((e) => e.pinned)]) expect(view.entries[entry.id]).toEqual(entry);
    const cached = await server.api(`/api/stories/${STORY}?view=latest`, { auth: false, headers: { "if-none-match": `"${full.version}"` } });
    expect(cached.status).toBe(304);
    expect((await json<Snapshot>(`/api/stories/${STORY}?view=full`)).body).toEqual(full);
  });

  it("serves an old version's view as immutable, and refuses a view it does not know", async () => {
    const { response, body } = await json<Snapshot>(`/api/stories/${STORY}?version=20&view=latest`);
    expect(body.version).toBe(20);
    expect(response.headers.get("cache-control")).toContain("immutable");
    const bad = await json<{ error: { code: string; message: string } }>(`/api/stories/${STORY}?view=everything`);
    expect(bad.response.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_view");
    expect(bad.body.error.message).toContain("full, latest");
  });
});

describe("GET /api/stories/:id/entries", () => {
  it("pages in display order by cursor, with `next` until the last page, ETag by version", async () => {
    const { body: full } = await json<Snapshot>(`/api/stories/${STORY}`);
    const { response, body: first } = await json<EntriesPage>(`/api/stories/${STORY}/entries?limit=5`);
    expect(response.headers.get("etag")).toBe(`"${full.version}"`);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(first.entries.slice(0, 2).every((entry) => entry.pinned)).toBe(true);
    expect(first.next).toBe(first.entries[4]!.id);
    const second = (await json<EntriesPage>(`/api/stories/${STORY}/entries?before=${first.next}&limit=100`)).body;
    expect(second.entries).toHaveLength(32 - 5);
    expect(second).not.toHaveProperty("next");
    const times = second.entries.map((entry) => entry.createdAt);
    expect(times).toEqual(times.toSorted().reverse());
    const again = await server.api(`/api/stories/${STORY}/entries?limit=5`, { auth: false, headers: { "if-none-match": `"${full.version}"` } });
    expect(again.status).toBe(304);
  });

  it.each([
    ["?before=e_nothere", 404, "entry_not_found"],
    ["?before=nonsense", 400, "invalid_entry_id"],
    ["?limit=101", 400, "validation_failed"],
    ["?limit=0", 400, "validation_failed"],
    ["?limit=ten", 400, "validation_failed"],
  ])("answers %s with %i %s", async (query, status, code) => {
    const { response, body } = await json<{ error: { code: string; message: string } }>(`/api/stories/${STORY}/entries${query}`);
    expect(response.status).toBe(status);
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
  });

  it("answers 404 for an unknown story", async () => {
    expect((await server.api("/api/stories/no-such-story/entries", { auth: false })).status).toBe(404);
  });
});

describe("paging a 2,000-entry story", () => {
  it("reaches every entry exactly once while entries are being added at the top", async () => {
    const marathon = MARATHON;
    const { body: view } = await json<Snapshot>(`/api/stories/${marathon}?view=latest`);
    const { body: atStart } = await json<Snapshot>(`/api/stories/${marathon}`);
    const seen = Object.values(view.entries).map((entry) => entry.id);
    let cursor: string | undefined = Object.values(view.entries).sort((a, b) => b.createdAt.localeCompare(a.createdAt)).at(-1)!.id;
    let pages = 0;
    while (cursor) {
      // A busy desk between two pages: new entries go in at the top, and the cursor holds its place.
      await addEntries(3, {}, marathon);
      const answer: { response: Response; body: EntriesPage } = await json<EntriesPage>(`/api/stories/${marathon}/entries?before=${cursor}&limit=100`);
      const { response, body: page } = answer;
      expect(response.status).toBe(200);
      seen.push(...page.entries.map((entry) => entry.id));
      cursor = page.next;
      pages++;
    }
    expect(pages).toBe(20); // 1,990 older entries, 100 to a page
    expect(seen).toHaveLength(new Set(seen).size);
    expect(new Set(seen)).toEqual(new Set(Object.keys(atStart.entries)));
  });
});
