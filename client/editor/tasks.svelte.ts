import { m } from "../lib/i18n.js";
import { deskLocale, t } from "./desk-language.svelte.js";
import { onDestroy, onMount } from "svelte";
import { ApiFailure, type WriteOutcome } from "./api.js";
import { newIdempotencyKey } from "./entries/composer-store.js";
import { getDesk } from "./desk-context.svelte.js";
import type { DeskWrite, StoryWriter } from "./story/story-writer.svelte.js";

const NOUNS = { update: m.desk_noun_update, draft: m.desk_noun_draft, change: m.desk_noun_change, edit: m.desk_noun_edit, figure: m.desk_noun_figure };
/** What a write makes, as its messages name it. */
export type WriteNoun = keyof typeof NOUNS;

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

/**
 * Something the server does not push, kept fresh: loaded at once, again when whoever changed it
 * calls `load`, and every `everyMs` while the page is visible. Create it while a component
 * initialises. When loads overlap, the answer to the newest one is kept.
 */
export class Polled<T> {
  value: T;
  /** The first load has finished (worked or not). */
  loaded = $state(false);
  error = $state<unknown>();
  readonly #fetch: () => Promise<T>;
  #newest = 0;

  constructor(initial: T, fetch: () => Promise<T>, everyMs: number) {
    this.value = $state.raw(initial);
    this.#fetch = fetch;
    onMount(() => {
      void this.load();
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

/** How often a write whose answer was lost asks the server what became of it. */
const SETTLE_POLL_MS = 3000;

/** A desk write as its form builds it: `send` gets the Idempotency-Key of this change. */
export type FormWrite = Omit<DeskWrite, "send"> & { send(ifMatch: number, key: string): Promise<{ version: number }> };

/**
 * The one way the desk's forms write (composer, edit form, entry actions, drafts, settings):
 * `busy` while a request runs, `waiting` while a conflict awaits the editor's decision, and one
 * Idempotency-Key per change, kept until the server has taken it (or the editor dropped it). So
 * every retry (after a timeout, a lost answer or a conflict) is the same request to the server,
 * which answers a repeat with its first answer: nothing is ever published twice.
 */
export class WriteTask extends Pending {
  /** The write waits for the editor's decision in the conflict panel. */
  waiting = $state(false);
  /** The Idempotency-Key of the change being made. */
  key = $state("");
  /** What the editor calls the thing, for messages: "update", "draft", "change". */
  readonly #noun: WriteNoun;
  readonly #api = getDesk().api;
  /** The last job and its options, to replay once the server says it took the write. */
  #last: { job: (key: string) => Promise<unknown>; options: RunOptions } | undefined;
  #gone = false;

  constructor(noun: WriteNoun, key = newIdempotencyKey()) {
    super();
    this.#noun = noun;
    this.key = key;
    onDestroy(() => (this.#gone = true));
  }

  /** Fields and buttons are locked while the write is in flight or waits on the conflict panel. */
  get locked(): boolean {
    return this.busy || this.waiting;
  }

  /** The last try got no answer: it may or may not have been carried out, so the way on is "Try again". */
  get uncertain(): boolean {
    return this.error instanceof UncertainWrite;
  }

  /** Starts the next change with a new key. */
  renew(): void {
    this.key = newIdempotencyKey();
    this.waiting = false;
  }

  /**
   * A request that is not conditional on the story's version (drafts); the key reaches `job`.
   * A failure is explained first (a lost answer becomes "Try again"), then handed to `onError`.
   */
  override run(job: (key: string) => Promise<unknown>, { onError = (caught) => (this.error = caught), after }: RunOptions = {}): Promise<void> {
    if (this.waiting) return Promise.resolve();
    this.#last = { job, options: { onError, ...(after ? { after } : {}) } };
    return super.run(() => job(this.key), {
      onError: (caught) => {
        const explained = this.#explain(caught);
        onError(explained);
        if (explained instanceof UncertainWrite) void this.#settle(this.key);
      },
      ...(after ? { after } : {}),
    });
  }

  /**
   * Settles a write whose answer was lost, by itself: asks the server what became of its key until
   * it knows. Taken: the write is sent again under the same key, which the server answers with its
   * first answer without applying it twice, so the form finishes as after any success; then "it
   * went out at 20:01". Never arrived: "did not go out", and the form's own button sends it.
   * The editor pressing "Try again" meanwhile (or a new change) ends the asking.
   */
  async #settle(key: string): Promise<void> {
    const current = () => !this.#gone && this.key === key && this.uncertain && !this.busy;
    // Called from the failed try's own error handler, while it is still busy: so wait first.
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
      if (!current()) return;
      let outcome: WriteOutcome | undefined;
      try {
        outcome = await this.#api.writeOutcome(key);
      } catch {
        continue; // still no answer: ask again
      }
      if (!current() || outcome?.state === "in_flight") continue;
      if (!outcome) {
        this.error = new UnsentWrite(t(m.desk_write_not_sent, { noun: this.#nounText }));
        return;
      }
      const { job, options } = this.#last!;
      await this.run(job, options);
      if (this.error === undefined) {
        const time = new Intl.DateTimeFormat(deskLocale(), { hour: "2-digit", minute: "2-digit" }).format(new Date(outcome.completedAt));
        this.error = new SettledWrite(t(m.desk_write_went_out, { noun: this.#nounText, time }));
      }
      return;
    }
  }

  /** A conditional write through the story's writer: a 412 becomes a conflict and the task waits for it. */
  write(writer: StoryWriter, write: FormWrite, options: RunOptions = {}): Promise<void> {
    return this.run(async (key) => {
      const outcome = await writer.run({
        ...write,
        send: (ifMatch) => write.send(ifMatch, key),
        onDone: (result) => {
          this.renew();
          write.onDone?.(result);
        },
        onDiscard: () => {
          this.renew();
          write.onDiscard?.();
        },
        ...(write.rebase
          ? {
              rebase: (latest, text, then) => {
                this.waiting = false;
                write.rebase!(latest, text, then);
              },
            }
          : {}),
      });
      if (outcome === "conflict") this.waiting = true;
    }, options);
  }

  get #nounText(): string {
    return t(NOUNS[this.#noun]);
  }

  /** A failed write, as the editor should read it: the text is never lost, nor sent twice. */
  #explain(caught: unknown): unknown {
    if (!(caught instanceof ApiFailure)) return caught;
    if (caught.code === "idempotency_key_reused") {
      // An earlier try of this change reached the server although its answer did not reach us.
      this.renew();
      return new Error(t(m.desk_write_already_saved, { noun: this.#nounText }));
    }
    if (caught.code === "idempotency_key_in_use") {
      return new UncertainWrite(t(m.desk_write_in_progress, { noun: this.#nounText }));
    }
    if (caught.outcomeUnknown) {
      const why = caught.code === "timeout" ? t(m.desk_no_answer_in_time) : t(m.desk_could_not_reach);
      return new UncertainWrite(t(m.desk_write_uncertain, { why, noun: this.#nounText }));
    }
    return caught;
  }
}

/** A write whose outcome is unknown (no answer): retrying it with the same key is the safe way on. */
export class UncertainWrite extends Error {
  override readonly name = "UncertainWrite";
}

/** A write whose answer was lost, and which the server says it never took: sending it now is safe. */
export class UnsentWrite extends Error {
  override readonly name = "UnsentWrite";
}

/** Not a failure: a write whose answer was lost turned out to have gone through. Shown as a status, not an alert. */
export class SettledWrite extends Error {
  override readonly name = "SettledWrite";
}
