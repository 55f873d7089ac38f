/**
 * At most `limit` tasks at a time; the rest wait their turn in order. Image processing goes
 * through one, so ten uploads at once decode two photos at a time rather than ten.
 */
export class Gate {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // The place passes straight to the next task, so a newcomer cannot jump the queue.
      if (next) next();
      else this.#running--;
    }
  }
}
