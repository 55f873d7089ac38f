import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { SqliteStore } from "../store/sqlite-store.js";
import type { Store } from "../store/store.js";
import { VARIANT_RECHECK_MS, VariantCache } from "./media-routes.js";

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

const image = { id: `m_${"d".repeat(32)}`, width: 480, height: 320, placeholder: "#000000" };
const bytes = Buffer.from("variant bytes");

/** Two stores on one file: two processes, as two nodes share one database. */
async function twoNodes(): Promise<[Store, Store]> {
  const file = join(mkdtempSync(join(tmpdir(), "live-ticker-cache-")), "live-ticker.db");
  const pair: [Store, Store] = [new SqliteStore(file), new SqliteStore(file)];
  stores.push(...pair);
  await pair[0].media.putImage(image, [{ name: 480, format: "jpeg", bytes }], "2026-01-01T00:00:00.000Z", "u_1");
  return pair;
}

it("stops serving a variant another node took down once VARIANT_RECHECK_MS have passed, without asking the store before", async () => {
  const [here, elsewhere] = await twoNodes();
  const cache = new VariantCache(here);
  const t0 = 1_000_000;
  expect(await cache.get(image.id, 480, "jpeg", t0)).toEqual(bytes);
  await elsewhere.media.takeDown(image.id, "2026-01-02T00:00:00.000Z");
  // Within the window the copy in memory is served as it is (no store read per request)...
  expect(await cache.get(image.id, 480, "jpeg", t0 + VARIANT_RECHECK_MS - 1)).toEqual(bytes);
  // ...and past it the store is asked, and says it is gone.
  expect(await cache.get(image.id, 480, "jpeg", t0 + VARIANT_RECHECK_MS)).toBeUndefined();
  expect(await cache.get(image.id, 480, "jpeg", t0 + VARIANT_RECHECK_MS + 1)).toBeUndefined();
});

it("keeps serving a variant still standing after a recheck, and forgets an image taken down on its own node at once", async () => {
  const [here] = await twoNodes();
  const cache = new VariantCache(here);
  const t0 = 1_000_000;
  expect(await cache.get(image.id, 480, "jpeg", t0)).toEqual(bytes);
  expect(await cache.get(image.id, 480, "jpeg", t0 + VARIANT_RECHECK_MS + 5)).toEqual(bytes);
  await here.media.takeDown(image.id, "2026-01-02T00:00:00.000Z");
  cache.forget(image.id);
  expect(await cache.get(image.id, 480, "jpeg", t0 + VARIANT_RECHECK_MS + 6)).toBeUndefined();
});
