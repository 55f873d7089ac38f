/**
 * A least-recently-used cache bounded by a total weight (by default each value weighs 1, so the
 * bound is a count). A value heavier than the whole budget is not kept at all.
 */
export class Lru<K, V> {
  readonly #items = new Map<K, { value: V; weight: number }>();
  #weight = 0;

  constructor(
    private readonly budget: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  get(key: K): V | undefined {
    const item = this.#items.get(key);
    if (!item) return undefined;
    this.#items.delete(key); // most recently used last
    this.#items.set(key, item);
    return item.value;
  }

  set(key: K, value: V): V {
    this.delete(key);
    const weight = this.weigh(value);
    if (weight > this.budget) return value;
    this.#items.set(key, { value, weight });
    this.#weight += weight;
    for (const [oldest, item] of this.#items) {
      if (this.#weight <= this.budget) break;
      this.#items.delete(oldest);
      this.#weight -= item.weight;
    }
    return value;
  }

  delete(key: K): void {
    const item = this.#items.get(key);
    if (!item) return;
    this.#items.delete(key);
    this.#weight -= item.weight;
  }

  get size(): number {
    return this.#items.size;
  }

  /** The total weight of what is kept (bytes, when values are weighed in bytes). */
  get weight(): number {
    return this.#weight;
  }
}
