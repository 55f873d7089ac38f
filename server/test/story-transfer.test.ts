/**
 * A story moved between installations with its history (`npm run story -- export|import`): out of
 * a running SQLite installation, into a PostgreSQL one, and every version, history line and photo
 * there is the original's; a file that does not rebuild is refused with nothing written.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { MEDIA_FORMATS, MEDIA_WIDTHS } from "../../shared/media-constants.js";
import type { StoryExport } from "../../shared/story-export.js";
import type { Snapshot } from "../../shared/story.js";
import { children, startChild, stopChild } from "./child-server.js";
import { TOKEN } from "./harness.js";
import { noisyJpeg } from "./images.js";
import { run } from "./installation.js";
import { adminApi } from "./proxied-readers.js";
import { postgresUrl, requireService } from "./services.js";

const hasPostgres = await requireService("postgres");
// One public address for both, as for one newsroom moving house: feeds name it.
const UNTHROTTLED = { WRITES_PER_MINUTE: "1000000", PUBLIC_URL: "https://live.example.org" };

describe.skipIf(!hasPostgres)("npm run story -- export / import", { timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "live-ticker-story-transfer-"));
  const schema = `lt_transfer_${Math.random().toString(36).slice(2, 10)}`;
  const targetUrl = `${postgresUrl()}${postgresUrl().includes("?") ? "&" : "?"}schema=${schema}`;
  afterAll(async () => {
    await Promise.all([...children].map((child) => stopChild(child)));
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    rmSync(work, { recursive: true, force: true });
  });
  const sqlite = (dataDir: string) => ({ DATA_DIR: dataDir, DATABASE_URL: undefined });

  it("moves a story from a running SQLite installation to a PostgreSQL one with every version, history line and photo", async () => {
    const sourceDir = join(work, "source");
    const source = await startChild(sourceDir, { env: UNTHROTTLED });
    const upload = async (width: number) => {
      const res = await fetch(`${source.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: new Uint8Array(await noisyJpeg(width, 600)) });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const [kept, takenDown] = [await upload(900), await upload(1000)];
    const created = await adminApi(source.url, "/api/stories", { title: "Storm over the coast", summary: "Wind and outages.", language: "uk" });
    const storyId = ((await created.json()) as Snapshot).id;
    const write = async (path: string, body: unknown, method?: string) => {
      const res = await adminApi(source.url, `/api/stories/${storyId}${path}`, body, method);
      expect(res.status, `${method ?? "POST"} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
      return (await res.json()) as { entry?: { id: string }; entries?: { id: string }[] };
    };
    const first = (await write("/entries", { headline: "Gusts of 110 km/h", body: "Recorded at the **port**.", media: [{ type: "image", id: kept, alt: "Waves at the pier" }] })).entry!.id;
    const second = (await write("/entries", { body: "Power cut in three districts.", media: [{ type: "image", id: takenDown, alt: "A dark street" }] })).entry!.id;
    const batch = (await write("/entries/batch", { entries: [{ body: "Ferry cancelled.", createdAt: "2026-12-06T20:00:00.000Z" }, { body: "Schools closed.", kind: "breaking" }] })).entries!;
    await write(`/entries/${first}`, { body: "Recorded at the **port** and the airport." }, "PATCH");
    await write(`/entries/${second}`, { pinned: true }, "PATCH");
    await write("/facts/f_outages", { label: "Homes without power", value: "12,000", source: "Grid operator" }, "PUT");
    await write("/facts/f_outages", { label: "Homes without power", value: "9,500", source: "Grid operator" }, "PUT");
    await write(`/entries/${batch[0]!.id}`, undefined, "DELETE");
    expect((await adminApi(source.url, `/api/media/${takenDown}`, undefined, "DELETE")).status).toBe(200);
    await write("", { status: "ended" }, "PATCH");

    // Exported while the source server runs.
    const file = join(work, "storm.json");
    const exported = await run("npm", ["run", "--silent", "story", "--", "export", storyId, file], sqlite(sourceDir));
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain("versions, 2 photos");
    const imported = await run("npm", ["run", "--silent", "story", "--", "import", file], { DATABASE_URL: targetUrl });
    expect(imported.code, imported.stderr).toBe(0);
    const target = await startChild(join(work, "unused"), { env: { ...UNTHROTTLED, DATABASE_URL: targetUrl } });

    const latest = (await (await adminApi(source.url, `/api/stories/${storyId}`)).json()) as Snapshot;
    expect(latest.version).toBe(11);
    for (let version = 1; version <= latest.version; version++) {
      const path = `/api/stories/${storyId}?version=${version}`;
      expect(await (await fetch(target.url + path)).json(), path).toEqual(await (await fetch(source.url + path)).json());
    }
    for (const path of [`/api/stories/${storyId}/history`, `/stories/${storyId}/feed.json`]) {
      expect(await (await fetch(target.url + path)).json(), path).toEqual(await (await fetch(source.url + path)).json());
    }
    for (const id of [kept, takenDown]) {
      for (const width of MEDIA_WIDTHS) {
        for (const format of MEDIA_FORMATS) {
          const path = `/media/${id}/${width}.${format}`;
          const [a, b] = await Promise.all([fetch(source.url + path), fetch(target.url + path)]);
          expect(b.status, path).toBe(a.status);
          expect(Buffer.from(await b.arrayBuffer()).equals(Buffer.from(await a.arrayBuffer())), path).toBe(true);
        }
      }
    }
    expect((await fetch(`${target.url}/media/${takenDown}/480.webp`)).status).toBe(410);
    // The moved story goes on: a new write on the target is its next version.
    const next = await adminApi(target.url, `/api/stories/${storyId}`, { status: "live" }, "PATCH");
    expect(((await next.json()) as { version: number }).version).toBe(latest.version + 1);

    // The same story again is refused; so is a file one of whose versions does not rebuild, before anything is written.
    const again = await run("npm", ["run", "--silent", "story", "--", "import", file], { DATABASE_URL: targetUrl });
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining("exists here already")]);
    const tampered = JSON.parse(readFileSync(file, "utf8")) as StoryExport;
    tampered.versions[5]!.ops.unshift({ op: "replace", path: "/title", value: "Not what was written" } as StoryExport["versions"][number]["ops"][number]);
    writeFileSync(join(work, "tampered.json"), JSON.stringify(tampered));
    const emptyDir = join(work, "empty");
    const refused = await run("npm", ["run", "--silent", "story", "--", "import", join(work, "tampered.json")], sqlite(emptyDir));
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining("cannot be rebuilt")]);
    const nothing = await run("npm", ["run", "--silent", "story", "--", "export", storyId, join(work, "nothing.json")], sqlite(emptyDir));
    expect([nothing.code, nothing.stderr]).toEqual([1, expect.stringContaining(`No story "${storyId}"`)]);
  });
});
