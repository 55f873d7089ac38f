import { Lru } from "../../shared/lru.js";
import { encodedBody, type EncodedBody } from "./encoded-body.js";

/**
 * The JSON bodies of given versions (`GET /api/stories/:id?version=N`, any view), which never
 * change: encoded once (and compressed once per encoding asked for) and kept, up to a budget in
 * bytes of JSON (the compressed copies add about a fifth), the least recently read going first.
 *
 * A body not kept is built (the version rebuilt from a checkpoint and the log, its view taken, the
 * JSON written) one at a time, each on a turn of the event loop of its own: a burst of readers
 * asking for a hundred old versions of a big story at once then waits in line for its bodies,
 * while the loop goes on serving everything else between two of them, instead of being held for
 * the whole burst. Readers asking for the same body at once share one build.
 */
export class VersionBodies {
  readonly #kept: Lru<string, EncodedBody>;
  readonly #building = new Map<string, Promise<EncodedBody | undefined>>();
  /** The end of the line of builds: each starts when the one before it is done. */
  #line: Promise<unknown> = Promise.resolve();

  constructor(budgetBytes: number) {
    this.#kept = new Lru(budgetBytes, (item) => item.body.byteLength);
  }

  /** The body kept under `key`, if any: no store read, no work. */
  kept(key: string): EncodedBody | undefined {
    return this.#kept.get(key);
  }

  /** The body under `key`, kept or built by `build` (undefined: no such version, nothing kept). */
  body(key: string, build: () => Promise<Buffer | undefined>): Promise<EncodedBody | undefined> {
    const kept = this.#kept.get(key);
    if (kept) return Promise.resolve(kept);
    let building = this.#building.get(key);
    if (!building) {
      building = this.#inLine(build)
        .then((body) => body && this.#kept.set(key, encodedBody(body)))
        .finally(() => this.#building.delete(key));
      this.#building.set(key, building);
    }
    return building;
  }

  /** Bytes of bodies kept now (`live_ticker_cache_bytes{cache="version-bodies"}`). */
  get bytes(): number {
    return this.#kept.weight;
  }

  #inLine<T>(work: () => Promise<T>): Promise<T> {
    // setImmediate: a turn of its own, after whatever I/O and timers are waiting.
    const turn = this.#line.then(() => new Promise((resolve) => setImmediate(resolve))).then(work);
    this.#line = turn.catch(() => undefined);
    return turn;
  }
}
