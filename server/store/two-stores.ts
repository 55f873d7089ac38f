import { afterEach, beforeEach } from "vitest";
import type { Store } from "./store.js";

/** How a contract opens its stores: a fresh one, and a second on the same data (another node, another process). */
export type OpenTwoStores = () => Promise<{ store: Store; second: () => Promise<Store> }>;

/**
 * For each test of the enclosing `describe`: opens both stores, hands them to `use` (then runs
 * `prepare` on the first, e.g. to create the stories the tests need), and closes them after.
 */
export function withTwoStores(open: OpenTwoStores, use: (a: Store, b: Store) => void, prepare?: (a: Store) => Promise<void>): void {
  let opened: Store[] = [];
  beforeEach(async () => {
    const first = await open();
    const a = first.store;
    const b = await first.second();
    opened = [b, a];
    use(a, b);
    await prepare?.(a);
  });
  afterEach(async () => {
    for (const store of opened) await store.close();
  });
}
