/**
 * Turns of the event loop, handed out one at a time, first come first served: each caller's
 * piece of work runs in a turn of its own, and the loop polls I/O (an editor's write, a fan-out's
 * next slice, /healthz) between any two. A piece that has no await (a store read of SQLite
 * resolves at once) would otherwise run back to back with every other one started in the same
 * turn: a thousand subscriptions in fifty handshakes held the loop for seconds.
 */
export class Turns {
  readonly #waiting: Array<() => void> = [];
  #scheduled = false;

  /** Resolves in a later turn of the event loop, after every caller that asked before. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      if (!this.#scheduled) this.#schedule();
    });
  }

  /** Callers waiting for a turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** An immediate set while immediates run goes to the next turn, after the loop has polled. */
  #schedule(): void {
    this.#scheduled = true;
    setImmediate(() => {
      this.#waiting.shift()!();
      if (this.#waiting.length > 0) this.#schedule();
      else this.#scheduled = false;
    });
  }
}
