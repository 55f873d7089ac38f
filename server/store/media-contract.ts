import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Operation } from "../../shared/operations.js";
import { ReducerError } from "../../shared/reducer.js";
import type { ImageVariant, StoredImage } from "./media-store.js";
import type { ScheduledEntry } from "./scheduled-store.js";
import type { Store } from "./store.js";

const AT = "2026-05-24T01:02:03.000Z";
const image = (n: number, fields: Partial<StoredImage> = {}): StoredImage => ({ id: `m_${n.toString(16).padStart(32, "0")}`, width: 1200, height: 800, placeholder: "#102030", ...fields });
/** Variants as processing makes them: every width and format, with bytes that are not text (every byte value). */
const variants = (): ImageVariant[] =>
  ([480, 960, 1600] as const).flatMap((name) => (["avif", "webp", "jpeg"] as const).map((format) => ({ name, format, bytes: randomBytes(1000 + name) })));

const sizeOf = (made: ImageVariant[]) => made.reduce((sum, v) => sum + v.bytes.byteLength, 0);
const hoursAfter = (hours: number) => new Date(Date.parse(AT) + hours * 3_600_000).toISOString();
/** How an entry, a draft or a scheduled entry shows a photo. */
const shown = (n: number) => ({ type: "image" as const, id: image(n).id, alt: `Photo ${n}`, width: 1200, height: 800 });
const video = { type: "embed" as const, provider: "youtube" as const, url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" };

/** What every Store's media part must do, run unchanged against each implementation. */
export function describeMediaContract(name: string, open: () => Promise<{ store: Store; reopen?: () => Promise<Store> }>) {
  describe(`Media contract: ${name}`, () => {
    let store: Store;
    let reopen: (() => Promise<Store>) | undefined;
    beforeEach(async () => {
      ({ store, reopen } = await open());
    });
    afterEach(async () => {
      await store.close();
    });

    it("stores an image with its variants and gives back the exact bytes of each", async () => {
      const made = variants();
      expect(await store.media.putImage(image(1), made, AT)).toEqual(image(1));
      expect(await store.media.image(image(1).id)).toEqual(image(1));
      for (const v of made) expect(Buffer.compare((await store.media.variant(image(1).id, v.name, v.format))!, v.bytes)).toBe(0);
      if (reopen) {
        await store.close();
        store = await reopen();
        expect(await store.media.image(image(1).id)).toEqual(image(1));
        expect(Buffer.compare((await store.media.variant(image(1).id, 1600, "avif"))!, made[6]!.bytes)).toBe(0);
      }
    });

    it("knows nothing of unknown images, widths or formats", async () => {
      await store.media.putImage(image(2), variants().filter((v) => v.name === 480), AT);
      expect(await store.media.image(image(3).id)).toBeUndefined();
      expect(await store.media.variant(image(3).id, 480, "jpeg")).toBeUndefined();
      expect(await store.media.variant(image(2).id, 960, "jpeg")).toBeUndefined();
      expect(await store.media.variant(image(2).id, 480, "png")).toBeUndefined();
    });

    it("keeps the first of the same image stored twice, also at once", async () => {
      const first = variants();
      await store.media.putImage(image(4), first, AT);
      expect(await store.media.putImage(image(4, { width: 1, height: 1 }), variants(), AT)).toEqual(image(4));
      expect(Buffer.compare((await store.media.variant(image(4).id, 960, "webp"))!, first[4]!.bytes)).toBe(0);

      const racing = await Promise.all([1, 2, 3].map(() => store.media.putImage(image(5), variants(), AT)));
      expect(racing).toEqual([image(5), image(5), image(5)]);
      expect(await store.media.variant(image(5).id, 1600, "jpeg")).toBeInstanceOf(Buffer);
    });

    it("records who uploaded an image, when, and the bytes of its variants; an image stored without one has no known uploader", async () => {
      const made = variants();
      await store.media.putImage(image(6), made, AT, "u_olena");
      await store.media.putImage(image(7), variants(), AT);
      expect(await store.media.record(image(6).id)).toEqual({ ...image(6), uploader: "u_olena", createdAt: AT, bytes: sizeOf(made) });
      expect(await store.media.record(image(7).id)).not.toHaveProperty("uploader");
      // The same image again by someone else is still the first uploader's.
      await store.media.putImage(image(6), variants(), hoursAfter(1), "admin-token");
      expect(await store.media.record(image(6).id)).toMatchObject({ uploader: "u_olena", createdAt: AT });
      expect(await store.media.record(image(8).id)).toBeUndefined();
    });

    it("counts an uploader's images since a time, and the bytes of those still stored", async () => {
      const sizes: number[] = [];
      for (const [n, hours] of [[10, 0], [11, 5], [12, 30], [13, 31]] as const) {
        const made = variants();
        sizes.push(sizeOf(made));
        await store.media.putImage(image(n), made, hoursAfter(hours), "u_olena");
      }
      await store.media.putImage(image(14), variants(), hoursAfter(31), "u_other");
      expect(await store.media.usage("u_olena", hoursAfter(7))).toEqual({ recent: 2, oldestRecent: hoursAfter(30), storedBytes: sizes.reduce((a, b) => a + b) });
      expect(await store.media.usage("u_olena", hoursAfter(40))).toEqual({ recent: 0, storedBytes: sizes.reduce((a, b) => a + b) });
      expect(await store.media.usage("u_nobody", AT)).toEqual({ recent: 0, storedBytes: 0 });
      // Taken down: still counted among the day's uploads (it was one), no longer among the bytes stored.
      await store.media.takeDown(image(13).id, hoursAfter(32));
      expect(await store.media.usage("u_olena", hoursAfter(7))).toEqual({ recent: 2, oldestRecent: hoursAfter(30), storedBytes: sizes[0]! + sizes[1]! + sizes[2]! });
    });

    it("takes an image down for good: its variants are gone, its id is remembered, a repeat keeps the first time", async () => {
      await store.media.putImage(image(15), variants(), AT, "u_olena");
      await store.media.putImage(image(16), variants(), AT, "u_olena");
      const taken = await store.media.takeDown(image(15).id, hoursAfter(1));
      expect(taken).toMatchObject({ id: image(15).id, uploader: "u_olena", removedAt: hoursAfter(1) });
      expect(await store.media.image(image(15).id)).toBeUndefined();
      expect(await store.media.variant(image(15).id, 480, "jpeg")).toBeUndefined();
      expect(await store.media.takeDown(image(15).id, hoursAfter(2))).toMatchObject({ removedAt: hoursAfter(1) });
      // The same bytes uploaded again do not bring it back.
      await store.media.putImage(image(15), variants(), hoursAfter(3), "u_other");
      expect(await store.media.image(image(15).id)).toBeUndefined();
      expect(await store.media.record(image(15).id)).toMatchObject({ uploader: "u_olena", removedAt: hoursAfter(1) });
      expect(await store.media.variant(image(15).id, 480, "jpeg")).toBeUndefined();
      // Its neighbour is untouched, and an unknown image is no takedown.
      expect(await store.media.variant(image(16).id, 480, "jpeg")).toBeInstanceOf(Buffer);
      expect(await store.media.takeDown(image(17).id, hoursAfter(1))).toBeUndefined();
      expect(await store.media.record(image(17).id)).toBeUndefined();
      if (reopen) {
        await store.close();
        store = await reopen();
        expect(await store.media.record(image(15).id)).toMatchObject({ removedAt: hoursAfter(1) });
      }
    });

    it("finds the stories whose latest entries show an image, and collects only old uploads never published that nothing waiting shows", async () => {
      for (const n of [20, 21, 22, 23, 24, 25, 26, 27, 28]) await store.media.putImage(image(n), variants(), AT, "u_olena");
      await store.media.putImage(image(29), variants(), hoursAfter(10), "u_olena");
      const commit = (storyId: string, operation: Operation) => store.commit({ storyId, operation: { ...operation, at: AT, author: { name: "Desk" } } });
      for (const storyId of ["a", "b"]) await commit(storyId, { type: "create_story", storyId, title: storyId, summary: "" });
      await commit("a", { type: "add_entry", entryId: "e_a1", body: "x", kind: "update", pinned: false, media: [video, shown(20)] });
      await commit("b", { type: "add_entry", entryId: "e_b1", body: "x", kind: "update", pinned: false, media: [shown(20), shown(21)] });
      // Shown once, then edited out: only the history shows it.
      await commit("b", { type: "add_entry", entryId: "e_b2", body: "x", kind: "update", pinned: false, media: [shown(22)] });
      await commit("b", { type: "edit_entry", entryId: "e_b2", media: [] });
      // In an entry that was removed.
      await commit("a", { type: "add_entry", entryId: "e_a2", body: "x", kind: "update", pinned: false, media: [shown(23)] });
      await commit("a", { type: "remove_entry", entryId: "e_a2" });
      await store.accounts.createDraft({
        id: "d_1", storyId: "a", authorId: "u_olena", author: { name: "Olena" }, createdAt: AT, updatedAt: AT, body: "x", kind: "update", pinned: false, media: [shown(24)], revision: 1,
      });
      const scheduled = (n: number, id: string): ScheduledEntry => ({
        id, storyId: "a", entryId: `e_${id}`, publishAt: hoursAfter(100), revision: 1, createdAt: AT, updatedAt: AT, createdBy: { name: "Desk" }, body: "x", kind: "update", pinned: false, media: [shown(n)],
      });
      await store.scheduled.add(scheduled(25, "s_1"));
      await store.scheduled.add(scheduled(26, "s_2"));
      await store.scheduled.cancel("a", "s_2");
      await store.media.takeDown(image(27).id, AT);

      expect(await store.media.storiesShowing(image(20).id)).toEqual(["a", "b"]);
      expect(await store.media.storiesShowing(image(21).id)).toEqual(["b"]);
      expect(await store.media.storiesShowing(image(22).id)).toEqual([]);

      // 26 (its scheduled entry cancelled) and 28 (never used) are old enough, never published and
      // shown by nothing waiting. 22 (edited out) and 23 (its entry removed) were published: the
      // history shows them, so they stay; 29 is too young; 27, taken down, stays remembered.
      const first = await store.media.collectUnreferenced(hoursAfter(5), 1);
      expect(first).toHaveLength(1);
      const rest = await store.media.collectUnreferenced(hoursAfter(5), 10);
      expect([...first, ...rest].sort()).toEqual([26, 28].map((n) => image(n).id));
      expect(await store.media.collectUnreferenced(hoursAfter(5), 10)).toEqual([]);
      for (const n of [26, 28]) {
        expect(await store.media.record(image(n).id)).toBeUndefined();
        expect(await store.media.variant(image(n).id, 480, "jpeg")).toBeUndefined();
      }
      for (const n of [20, 21, 22, 23, 24, 25, 29]) expect(await store.media.image(image(n).id)).toEqual(image(n));
      // A draft discarded, its photo never published: collected at the next sweep.
      await store.accounts.discardDraft("a", "d_1", { by: { name: "Desk" }, at: AT });
      expect(await store.media.collectUnreferenced(hoursAfter(5), 10)).toEqual([image(24).id]);
      expect(await store.media.record(image(27).id)).toMatchObject({ removedAt: AT });
      // Collected, the same bytes may be uploaded again.
      await store.media.putImage(image(28), variants(), hoursAfter(11), "u_olena");
      expect(await store.media.image(image(28).id)).toEqual(image(28));
    });

    it("refuses a commit showing a photo taken down or collected, also racing the takedown or the collection", async () => {
      const commit = (operation: Operation) => store.commit({ storyId: "r", operation: { ...operation, at: AT, author: { name: "Desk" } } });
      await commit({ type: "create_story", storyId: "r", title: "r", summary: "" });
      await store.media.putImage(image(30), variants(), AT, "u_olena");
      await store.media.takeDown(image(30).id, AT);
      const refused = await commit({ type: "add_entry", entryId: "e_r0", body: "x", kind: "update", pinned: false, media: [shown(30)] }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ReducerError);
      expect(refused).toMatchObject({ code: "unknown_media" });
      expect(await store.media.storiesShowing(image(30).id)).toEqual([]);

      // Whichever goes first, no entry ends up showing a photo that is gone.
      for (let round = 0; round < 8; round++) {
        const n = 40 + round;
        await store.media.putImage(image(n), variants(), AT, "u_olena");
        const adding = commit({ type: "add_entry", entryId: `e_r${n}`, body: "x", kind: "update", pinned: false, media: [shown(n)] }).then(
          () => true,
          (error: unknown) => (error instanceof ReducerError && error.code === "unknown_media" ? false : Promise.reject(error)),
        );
        const removing = round % 2 === 0 ? store.media.takeDown(image(n).id, AT).then(() => undefined) : store.media.collectUnreferenced(hoursAfter(1), 10).then(() => undefined);
        const [added] = await Promise.all([adding, removing]);
        const record = await store.media.record(image(n).id);
        const stillShown = record !== undefined && record.removedAt === undefined;
        if (added && !stillShown) {
          // Taken down after the commit: the story is found, for its new version without the photo.
          expect(round % 2, "a collection never takes a photo a committed entry shows").toBe(0);
          expect(await store.media.storiesShowing(image(n).id)).toEqual(["r"]);
        }
        if (!added) expect(stillShown).toBe(false);
      }
    });
  });
}
