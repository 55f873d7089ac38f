import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ImageVariant, StoredImage } from "./media-store.js";
import type { Store } from "./store.js";

const AT = "2026-05-24T01:02:03.000Z";
const image = (n: number, fields: Partial<StoredImage> = {}): StoredImage => ({ id: `m_${n.toString(16).padStart(32, "0")}`, width: 1200, height: 800, placeholder: "#102030", ...fields });
/** Variants as processing makes them: every width and format, with bytes that are not text (every byte value). */
const variants = (): ImageVariant[] =>
  ([480, 960, 1600] as const).flatMap((name) => (["avif", "webp", "jpeg"] as const).map((format) => ({ name, format, bytes: randomBytes(1000 + name) })));

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
  });
}
