/**
 * server/story-service.ts: after each durable commit the listeners are told, in order, and one that
 * throws neither fails the acknowledged write nor keeps the others from hearing of it. A real
 * SQLite store; the hub is one such listener (its fan-out is tested in live/).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Committed } from "./store/store.js";
import { SqliteStore } from "./store/sqlite-store.js";
import { StoryService, type CommitListener } from "./story-service.js";

const LIMITS = { maxEntries: 1000, maxStories: 1000 };
const author = { name: "Desk" };

describe("StoryService's commit listeners", () => {
  const dirs: string[] = [];
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const storeOf = () => {
    const dir = mkdtempSync(join(tmpdir(), "live-ticker-service-"));
    dirs.push(dir);
    const store = new SqliteStore(join(dir, "live-ticker.db"));
    stores.push(store);
    return store;
  };

  it("tells every listener of each commit, in order, and a no-op as unchanged", async () => {
    const heard: string[] = [];
    const listener = (name: string): CommitListener => ({ committed: (c) => void heard.push(`${name}:${c.snapshot.version}:${c.changed}`) });
    const service = new StoryService(storeOf(), [listener("hub"), listener("alerts")], LIMITS, (error) => {
      throw error;
    });
    await service.createStory({ id: "s", title: "S" }, { author });
    await service.apply("s", { type: "update_story", title: "T" }, { author });
    await service.apply("s", { type: "update_story", title: "T" }, { author });
    expect(heard).toEqual(["hub:1:true", "alerts:1:true", "hub:2:true", "alerts:2:true", "hub:2:false", "alerts:2:false"]);
  });

  it("answers an acknowledged write even when a listener throws, reports it, and still tells the listeners after it", async () => {
    const failures: Array<{ error: unknown; version: number }> = [];
    const later: Committed[] = [];
    const store = storeOf();
    const service = new StoryService(
      store,
      [
        {
          committed: () => {
            throw new Error("listener down");
          },
        },
        { committed: (c) => void later.push(c) },
      ],
      LIMITS,
      (error, committed) => void failures.push({ error, version: committed.snapshot.version }),
    );
    const committed = await service.createStory({ id: "s", title: "S" }, { author });
    expect(committed.snapshot.version).toBe(1);
    expect((await store.latest("s"))?.version).toBe(1);
    expect(failures).toEqual([{ error: new Error("listener down"), version: 1 }]);
    expect(later.map((c) => c.snapshot.version)).toEqual([1]);
  });
});
