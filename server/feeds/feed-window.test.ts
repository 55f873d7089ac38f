import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { Entry, Snapshot } from "../../shared/story.js";
import type { RemovedEntry } from "../store/store.js";
import { atomFeed } from "./atom.js";
import { tombstones, type FeedInput } from "./feed-model.js";
import { jsonFeed } from "./json-feed.js";

const PUBLIC_URL = "https://live.example.org";
const minute = (n: number) => new Date(Date.UTC(2026, 4, 24, 1, n)).toISOString();

/** A long night: an entry published every minute (entry n at minute n), some removed as the night went on. */
function night(count: number): Snapshot {
  const entries: Record<string, Entry> = {};
  for (let n = 0; n < count; n++) {
    const id = `e_${String(n).padStart(4, "0")}`;
    entries[id] = { id, createdAt: minute(n), updatedAt: minute(n), author: { name: "Desk" }, kind: "update", pinned: n === 3, body: `Update ${n}`, html: `<p>Update ${n}</p>`, revision: 1 };
  }
  return { id: "night", version: count + 1, title: "Night", summary: "", status: "live", language: "en", createdAt: minute(0), updatedAt: minute(count), entries };
}

/** A removal at minute `at` of an entry (not in the story) published at minute `published`. */
const removal = (entryId: string, published: number, at: number, version: number): RemovedEntry => ({
  entryId, version, at: minute(at), author: { name: "Desk" }, publishedAt: minute(published),
});

describe("a long story's feeds", () => {
  const story = night(2000);
  const removed = [removal("e_gone_early", 5, 10, 12), removal("e_gone_at_1960", 1950, 1960, 1970), removal("e_gone_late", 1990, 1995, 2005)];
  const input: FeedInput = { snapshot: story, removed, publicUrl: PUBLIC_URL, limit: 50 };

  it("carry the newest `limit` entries, pinned ones no differently, and stay small", () => {
    const json = jsonFeed(input);
    const live = json.items.filter((item) => !item._live_ticker);
    expect(live.map((item) => item.id.split("#")[1])).toEqual(Array.from({ length: 50 }, (_, i) => `e_${1999 - i}`));
    expect(JSON.stringify(json).length).toBeLessThan(40_000);
    const xml = atomFeed(input);
    expect(XMLValidator.validate(xml)).toBe(true);
    const atom = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "entry" || name === "at:deleted-entry" }).parse(xml).feed;
    expect(atom.entry).toHaveLength(50);
    expect(atom.entry[0].id).toBe(`${PUBLIC_URL}/stories/night#e_1999`);
  });

  it("keep tombstones only for removals since the oldest entry they carry was published", () => {
    // The oldest entry kept is e_1950, published at minute 1950: the removal at 1960 and the one at 1995 are recent.
    expect(tombstones(input).map((tombstone) => tombstone.entryId)).toEqual(["e_gone_late", "e_gone_at_1960"]);
    const json = jsonFeed(input);
    expect(json.items.filter((item) => item._live_ticker).map((item) => item.id.split("#")[1])).toEqual(["e_gone_late", "e_gone_at_1960"]);
    const atom = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "at:deleted-entry" }).parse(atomFeed(input)).feed;
    expect(atom["at:deleted-entry"].map((tombstone: Record<string, string>) => tombstone["@_ref"]!.split("#")[1])).toEqual(["e_gone_late", "e_gone_at_1960"]);
  });

  it("keep every removal's tombstone while the story is shorter than the feed, but never more than `limit`", () => {
    const short: FeedInput = { ...input, snapshot: night(20) };
    expect(tombstones(short).map((tombstone) => tombstone.entryId)).toEqual(["e_gone_late", "e_gone_at_1960", "e_gone_early"]);
    expect(tombstones({ ...short, limit: 2 }).map((tombstone) => tombstone.entryId)).toEqual(["e_gone_late", "e_gone_at_1960"]);
  });
});
