import { describe, expect, it } from "vitest";
import { MAX_MEDIA_PER_ENTRY } from "../../../shared/media.js";
import type { Entry } from "../../../shared/story.js";
import { loadComposition, saveComposition } from "../entries/composer-store.js";
import { entryText, mergeEntry, targetUnchanged } from "../story/conflict.js";
import {
  addMedia,
  embedFromUrl,
  imageItem,
  mediaBlocker,
  mediaBody,
  mediaProblems,
  moveMedia,
  readStoredMedia,
  removeMedia,
  roomLeft,
  sameMedia,
  storyImages,
  updateMedia,
  type DeskEmbed,
  type DeskMedia,
} from "./media-list.js";

const id = (n: number) => `m_${n.toString(16).padStart(32, "0")}`;
const photo = (n: number, alt = `Photo ${n}`) => imageItem({ id: id(n), width: 1200, height: 800, placeholder: "#334455" }, { alt });
const video: DeskMedia = { type: "embed", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" };

describe("editing an entry's media list", () => {
  const list = [photo(1), photo(2), video];

  it("adds at the end, and never past the limit", () => {
    expect(addMedia([photo(1)], video)).toEqual([photo(1), video]);
    const full = Array.from({ length: MAX_MEDIA_PER_ENTRY }, (_, i) => photo(i));
    expect(roomLeft(full)).toBe(0);
    expect(addMedia(full, video)).toEqual(full);
    expect(roomLeft([photo(1)])).toBe(MAX_MEDIA_PER_ENTRY - 1);
  });

  it("moves up and down within the list, and leaves the ends alone", () => {
    expect(moveMedia(list, 2, -1)).toEqual([photo(1), video, photo(2)]);
    expect(moveMedia(list, 0, 1)).toEqual([photo(2), photo(1), video]);
    expect(moveMedia(list, 0, -1)).toEqual(list);
    expect(moveMedia(list, 2, 1)).toEqual(list);
    expect(moveMedia(list, 7, -1)).toEqual(list);
    expect(list).toEqual([photo(1), photo(2), video]); // never changed in place
  });

  it("removes one item and changes one image's text", () => {
    expect(removeMedia(list, 1)).toEqual([photo(1), video]);
    expect(updateMedia(list, 0, { caption: "Obolon, 6 am" })[0]).toEqual({ ...photo(1), caption: "Obolon, 6 am" });
    expect(updateMedia(list, 2, { alt: "not an image" })[2]).toEqual(video);
  });
});

describe("alt text", () => {
  it("is required on every photo, blank counts as missing; the form says how many lack it", () => {
    const list = [photo(1, ""), photo(2), photo(3, "   "), video];
    expect(mediaProblems(list).map((p) => [p.index, p.field, p.reason])).toEqual([
      [0, "alt", "missing"],
      [2, "alt", "missing"],
    ]);
    expect(mediaBlocker(list)).toBe("2 photos still need their alt text.");
    expect(mediaBlocker([photo(1, "")])).toBe("A photo still needs its alt text.");
    expect(mediaBlocker([photo(1), video])).toBeUndefined();
  });

  it("and caption and credit keep to their limits", () => {
    const long = { ...photo(1), credit: "x".repeat(201) };
    expect(mediaProblems([long])).toEqual([{ index: 0, field: "credit", reason: "too_long", message: "At most 200 characters." }]);
    expect(mediaBlocker([long])).toBe("A photo's text is too long.");
  });
});

describe("what the API is sent", () => {
  it("images by id with trimmed text (empty caption and credit left out), embeds by address", () => {
    const list = [{ ...photo(1, "  Smoke over the bridge "), caption: " ", credit: " AP " }, { ...video, provider: "youtube" as const }];
    expect(mediaBody(list)).toEqual([
      { type: "image", id: id(1), alt: "Smoke over the bridge", credit: "AP" },
      { type: "embed", url: video.url },
    ]);
  });

  it("an edit counts as a change only when what is sent differs", () => {
    expect(sameMedia([photo(1), video], [{ ...photo(1), placeholder: "#000000" }, { ...video, provider: "youtube" }])).toBe(true);
    expect(sameMedia([photo(1), video], [video, photo(1)])).toBe(false);
    expect(sameMedia([photo(1)], [photo(1, "Other words")])).toBe(false);
  });
});

describe("embeds by address", () => {
  it("recognizes the platform and the canonical address at once, and says what is supported otherwise", () => {
    expect(embedFromUrl("  https://youtu.be/dQw4w9WgXcQ ")).toEqual({ type: "embed", provider: "youtube", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" });
    for (const bad of ["youtube video", "javascript:alert(1)", "data:text/html,<b>x</b>", "https://example.com/post/1"]) {
      expect(embedFromUrl(bad)).toEqual({ error: "Paste the https link of a single post or video on YouTube, Vimeo, X, Bluesky, Mastodon, Telegram, Instagram, TikTok, Facebook, or Threads." });
    }
    expect(embedFromUrl("youtube video", "uk")).toEqual({ error: "Вставте https-посилання на окремий допис чи відео з YouTube, Vimeo, X, Bluesky, Mastodon, Telegram, Instagram, TikTok, Facebook або Threads." });
  });
});

describe("the story's gallery", () => {
  const at = (minute: number) => `2026-05-24T01:${String(minute).padStart(2, "0")}:00.000Z`;
  const entry = (n: number, minute: number, media: Entry["media"]): Entry => ({
    id: `e_entry${n}`, createdAt: at(minute), updatedAt: at(minute), author: { name: "Desk" }, kind: "update", pinned: false, body: "x", html: "", revision: 1,
    ...(media ? { media } : {}),
  });

  it("lists each photo once, newest entry first, with its alt text; embeds are not in it", () => {
    const entries = {
      e_entry1: entry(1, 1, [photo(1, "First")]),
      e_entry2: entry(2, 5, [{ type: "embed", provider: "youtube", url: video.url }, photo(2, "Second"), photo(1, "First again")]),
      e_entry3: entry(3, 3, undefined),
    };
    expect(storyImages({ entries }).map((image) => [image.id, image.alt])).toEqual([
      [id(2), "Second"],
      [id(1), "First again"],
    ]);
  });
});

describe("media in the desk's other helpers", () => {
  it("the composer keeps photos (ids and text, not bytes) and embeds across a reload; a composition with only a photo is kept", () => {
    const map = new Map<string, string>();
    const storage = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) };
    const first = loadComposition(storage, "s");
    expect(first.media).toEqual([]);
    saveComposition(storage, "s", { ...first, media: [photo(1, ""), video] });
    expect(loadComposition(storage, "s").media).toEqual([photo(1, ""), video]);
    map.set("live-ticker:composer:s", JSON.stringify({ body: "x", media: [{ type: "image", id: "../../etc" }, video, "junk"] }));
    expect(loadComposition(storage, "s").media).toEqual([video]);
  });

  it("reads back only well-formed items, and never more than fit", () => {
    expect(readStoredMedia(undefined)).toEqual([]);
    expect(readStoredMedia(Array.from({ length: 14 }, (_, i) => photo(i)))).toHaveLength(MAX_MEDIA_PER_ENTRY);
  });

  it("a conflict merges media changed by one side, gives up when both changed it, and sees a media edit as a change", () => {
    const base = { headline: "", body: "Text", kind: "update" as const, pinned: false, media: [photo(1)] };
    const mine = { ...base, media: [photo(1), video] };
    const theirs = { ...base, body: "Text, more" };
    expect(mergeEntry(base, mine, theirs)).toEqual({ ...theirs, media: [photo(1), video] });
    expect(mergeEntry(base, mine, { ...base, media: [] })).toBeUndefined();

    const e = { id: "e_abcd", createdAt: "2026-05-24T01:00:00.000Z", updatedAt: "2026-05-24T01:00:00.000Z", author: { name: "D" }, kind: "update" as const, pinned: false, body: "x", html: "", revision: 1 };
    const story = (media: Entry["media"]) => ({ id: "s", version: 1, title: "", summary: "", status: "live" as const, language: "en", createdAt: e.createdAt, updatedAt: e.createdAt, entries: { e_abcd: { ...e, ...(media ? { media } : {}) } } });
    expect(targetUnchanged({ type: "entry", entryId: "e_abcd" }, story([photo(1)]), story([{ ...photo(1), alt: "New alt" }]))).toBe(false);
    expect(entryText(story(undefined).entries.e_abcd).media).toEqual([]);
  });
});

describe("an embed's caption", () => {
  it("is edited, sent trimmed (left out when empty), bounded and kept across a reload", () => {
    const embed = embedFromUrl("https://youtu.be/dQw4w9WgXcQ") as DeskEmbed;
    let list: DeskMedia[] = [embed];
    list = updateMedia(list, 0, { caption: "  Filmed at dawn  ", alt: "ignored for an embed" });
    expect(list[0]).toEqual({ ...embed, caption: "  Filmed at dawn  " });
    expect(mediaBody(list)).toEqual([{ type: "embed", url: embed.url, caption: "Filmed at dawn" }]);
    expect(mediaBody(updateMedia(list, 0, { caption: "   " }))).toEqual([{ type: "embed", url: embed.url }]);
    expect(readStoredMedia(JSON.parse(JSON.stringify(list)))).toEqual(list);
    expect(mediaProblems(updateMedia(list, 0, { caption: "x".repeat(501) }))).toMatchObject([{ index: 0, field: "caption", reason: "too_long" }]);
  });
});
