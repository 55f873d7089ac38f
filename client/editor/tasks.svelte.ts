import { onMount, untrack } from "svelte";

interface RunOptions {
  /** What to do with a failure; by default it becomes `error`. */
  onError?: (caught: unknown) => void;
  /** Runs after the job, whether it worked or not (a reload, say). */
  after?: () => void;
}

/** One request at a time for a form or a panel: `busy` while it runs, the failure to show afterwards. */
export class Pending {
  busy = $state(false);
  error = $state<unknown>();

  /** Runs `job` unless one is still running; the old error goes, a new one is kept. */
  async run(job: () => Promise<unknown>, { onError = (caught) => (this.error = caught), after }: RunOptions = {}): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = undefined;
    try {
      await job();
    } catch (caught) {
      onError(caught);
    } finally {
      this.busy = false;
      after?.();
    }
  }

  /** Fetches what the panel lists and hands it to `show`; a failure becomes `error`. Not busy meanwhile. */
  async load<T>(fetch: () => Promise<T>, show: (value: T) => void): Promise<void> {
    try {
      show(await fetch());
    } catch (caught) {
      this.error = caught;
    }
  }
}

interface PollOptions {
  /** Reloads every this many milliseconds while the page is visible. */
  everyMs: number;
  /** Read in an effect: when what it reads changes (a counter another part of the desk bumps), reload. */
  changed: () => unknown;
}

/**
 * Something the server does not push, kept fresh: loaded at once, again when `changed` says so, and
 * every `everyMs` while the page is visible. Create it while a component initialises. When loads
 * overlap, the answer to the newest one is kept.
 */
export class Polled<T> {
  value: T;
  /** The first load has finished (worked or not). */
  loaded = $state(false);
  error = $state<unknown>();
  readonly #fetch: () => Promise<T>;
  #newest = 0;

  constructor(initial: T, fetch: () => Promise<T>, { everyMs, changed }: PollOptions) {
    this.value = $state.raw(initial);
    this.#fetch = fetch;
    $effect(() => {
      changed();
      void untrack(() => this.load());
    });
    onMount(() => {
      const timer = setInterval(() => {
        if (!document.hidden) void this.load();
      }, everyMs);
      return () => clearInterval(timer);
    });
  }

  /** Loads now. */
  load = async (): Promise<void> => {
    const mine = ++this.#newest;
    try {
      const value = await this.#fetch();
      if (mine !== this.#newest) return;
      this.value = value;
      this.error = undefined;
    } catch (caught) {
      if (mine === this.#newest) this.error = caught;
    } finally {
      this.loaded = true;
    }
  };
}
