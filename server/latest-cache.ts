import { Lru } from "../shared/lru.js";

/**
 * What is worked out once per story version and then served alike to every reader (a page, a
 * view's JSON, a feed), for routes that serve only a story's latest version: each slot (say
 * `live:<story>`) keeps only the newest version it was given, because once a newer one is kept the
 * older is never asked for again. Keyed by version instead, every write left its pages behind until
 * the byte budget was full, which a soak showed as memory rising with every update (issue 28).
 * The slots share one budget in bytes, the least recently read going first.
 */
export class LatestCache<V> {
  readonly #slots: Lru<string, { version: number; value: V }>;

  constructor(budgetBytes: number, weigh: (value: V) => number) {
    this.#slots = new Lru(budgetBytes, (item) => weigh(item.value));
  }

  /** The value kept in `slot` for exactly `version`. */
  get(slot: string, version: number): V | undefined {
    const kept = this.#slots.get(slot);
    return kept?.version === version ? kept.value : undefined;
  }

  /**
   * Keeps `value` as the slot's, unless the slot holds a newer version (a read that raced a
   * write, or another node's older view of the story): that one is still what readers ask for.
   */
  set(slot: string, version: number, value: V): V {
    const kept = this.#slots.get(slot);
    if (!kept || kept.version <= version) this.#slots.set(slot, { version, value });
    return value;
  }

  /** Bytes held (a `live_ticker_cache_bytes` gauge). */
  get bytes(): number {
    return this.#slots.weight;
  }
}
