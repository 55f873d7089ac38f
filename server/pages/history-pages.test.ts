/**
 * The history page, navigable (issue 31): 50 versions a page with server-rendered links to older
 * ones, a filter by author and one to a single update's changes, both plain GET addresses that
 * work without JavaScript. Needs `npm run build` (npm test builds first).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newEntryId } from "../../shared/ids.js";
import { rawGet } from "../test/raw-get.js";
import { startServer, type TestServer } from "../test/harness.js";

const STORY = "history-night";
/** Versions of the story: 1 creates it, then one entry each, by turns of two desks; every 20th edits `watched`. */
const VERSIONS = 130;

describe("GET /stories/:id/history, paged and filtered", () => {
  let server: TestServer;
  let watched = "";

  const versionsOn = async (path: string) => {
    const res = await rawGet(server.url + path);
    expect(res.status, path).toBe(200);
    const html = res.body.toString();
    return { html, versions: [...html.matchAll(/<h2 id="version-(\d+)"/g)].map((match) => Number(match[1])) };
  };
  const hrefOf = (html: string, text: string) => new RegExp(`<a href="([^"]+)"[^>]*>${text}</a>`).exec(html)?.[1]?.replaceAll("&#38;", "&").replaceAll("&amp;", "&");

  beforeAll(async () => {
    server = await startServer({ pages: true });
    await server.app.service.createStory({ id: STORY, title: "A night of changes" }, { author: { name: "Olena" } });
    watched = newEntryId();
    for (let version = 2; version <= VERSIONS; version++) {
      const author = { name: version % 2 ? "Olena" : "Taras" };
      const at = new Date(Date.UTC(2026, 4, 24, 0, version)).toISOString();
      const operation =
        version === 2
          ? { type: "add_entry" as const, entryId: watched, body: "The watched update.", kind: "update" as const, pinned: false }
          : version % 20 === 0
            ? { type: "edit_entry" as const, entryId: watched, body: `The watched update, take ${version}.` }
            : { type: "add_entry" as const, entryId: newEntryId(), body: `Update at version ${version}.`, kind: "update" as const, pinned: false };
      await server.app.service.apply(STORY, operation, { author, at });
    }
  }, 60_000);
  afterAll(() => server.close());

  it("shows 50 versions a page, newest first, with a link to the older ones and back to the newest", async () => {
    const first = await versionsOn(`/stories/${STORY}/history`);
    expect(first.versions).toEqual(Array.from({ length: 50 }, (_, i) => VERSIONS - i));
    const older = hrefOf(first.html, "Older versions");
    expect(older).toBe(`/stories/${STORY}/history?before=81`);
    expect(hrefOf(first.html, "Newest versions")).toBeUndefined();
    const second = await versionsOn(older!);
    expect(second.versions).toEqual(Array.from({ length: 50 }, (_, i) => 80 - i));
    expect(hrefOf(second.html, "Newest versions")).toBe(`/stories/${STORY}/history`);
    expect(second.html).toContain('<meta name="robots" content="noindex">');
    const last = await versionsOn(hrefOf(second.html, "Older versions")!);
    expect(last.versions).toEqual(Array.from({ length: 30 }, (_, i) => 30 - i));
    expect(hrefOf(last.html, "Older versions")).toBeUndefined();
  });

  it("filters by author, keeping the filter in its page links, and offers the authors as choices", async () => {
    const taras = await versionsOn(`/stories/${STORY}/history?author=Taras`);
    expect(taras.versions).toEqual(Array.from({ length: 50 }, (_, i) => VERSIONS - 2 * i));
    expect(taras.html).toMatch(/<option value="Taras" selected(="")?>Taras<\/option>/);
    expect(taras.html).toContain('<option value="Olena">Olena</option>');
    expect(hrefOf(taras.html, "Older versions")).toBe(`/stories/${STORY}/history?author=Taras&before=32`);
    const rest = await versionsOn(`/stories/${STORY}/history?author=Taras&before=32`);
    expect(rest.versions).toEqual(Array.from({ length: 15 }, (_, i) => 30 - 2 * i));
    expect((await versionsOn(`/stories/${STORY}/history?author=Nobody`)).html).toContain("No matching versions here.");
  });

  it("shows the changes to one update, linked from its page", async () => {
    const update = await rawGet(`${server.url}/stories/${STORY}/updates/${watched}`);
    const link = hrefOf(update.body.toString(), "Changes to this update");
    expect(link).toBe(`/stories/${STORY}/history?entry=${watched}`);
    const changes = await versionsOn(link!);
    expect(changes.versions).toEqual([120, 100, 80, 60, 40, 20, 2]);
    expect(changes.html).toContain("Only the changes to “\u2068The watched update, take 120.\u2069”.");
  });

  it("refuses a malformed filter with a clear error", async () => {
    for (const query of [`entry=not-an-id`, `author=${"x".repeat(101)}`, "author=a&author=b", "before=zero"]) {
      const res = await server.api(`/stories/${STORY}/history?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/^invalid_/);
    }
  });
});
