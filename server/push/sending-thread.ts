import { Worker } from "node:worker_threads";
import type { PushSubscriptionRecord } from "../../shared/push-subscription.js";
import type { VapidKeys } from "../store/push-store.js";
import type { PagePace } from "./page-sending.js";
import type { PushOutcome } from "./push-sender.js";

export interface SendingThreadSetup {
  keys: VapidKeys;
  contact: string;
  pace: PagePace;
}

export type SendingThreadRequest =
  | { kind: "page"; id: number; page: PushSubscriptionRecord[]; body: string; topic: string }
  /** Retry no more: the node is shutting down. */
  | { kind: "stop" };

/**
 * The thread's first lines: tsx's loader, registered in the thread itself (hooks of the process's
 * `--import tsx` do not reach worker threads on Node 20), then the TypeScript body.
 */
const BOOTSTRAP = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(new URL("./push-thread.ts", import.meta.url).href)}); })`;

/**
 * The node's sending thread, seen from the main thread: a page of subscriptions in, each one's
 * outcome out. One thread per node; the outbox sends one page at a time.
 */
export class SendingThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: (outcomes: PushOutcome[]) => void; reject: (error: Error) => void }>();
  #next = 0;

  constructor(setup: SendingThreadSetup) {
    this.#worker = new Worker(BOOTSTRAP, { eval: true, workerData: setup });
    this.#worker.on("message", ({ id, outcomes }: { id: number; outcomes: PushOutcome[] }) => {
      this.#waiting.get(id)?.resolve(outcomes);
      this.#waiting.delete(id);
    });
    const fail = (error: Error) => {
      for (const { reject } of this.#waiting.values()) reject(error);
      this.#waiting.clear();
    };
    this.#worker.on("error", fail);
    this.#worker.on("exit", () => fail(new Error("The push sending thread stopped.")));
  }

  sendPage(page: PushSubscriptionRecord[], body: string, topic: string): Promise<PushOutcome[]> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ kind: "page", id, page, body, topic } satisfies SendingThreadRequest);
    });
  }

  /** Ends retries, so that the page under way finishes soon. */
  stopRetrying(): void {
    this.#worker.postMessage({ kind: "stop" } satisfies SendingThreadRequest);
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
