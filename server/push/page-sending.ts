import type { PushSubscriptionRecord } from "../../shared/push-subscription.js";
import type { PushOutcome, PushSender } from "./push-sender.js";

/** How a page of pushes is paced: pushes in flight at once, and retries of 429/5xx with doubling waits. */
export interface PagePace {
  concurrency: number;
  retries: number;
  retryBaseMs: number;
}

/** The longest a push service's Retry-After is honoured within one page: the alert's lease must outlast it. */
const MAX_RETRY_WAIT_MS = 30_000;

/**
 * Pushes one page of an alert: every subscription of it, at most `concurrency` at once, each
 * retried on 429, 5xx or a lost connection (unless `stopping()`), and answers each one's outcome in
 * the page's order. Runs in the sending thread (push-thread.ts).
 */
export async function sendPage(
  sender: PushSender,
  page: readonly PushSubscriptionRecord[],
  body: string,
  topic: string,
  pace: PagePace,
  stopping: () => boolean,
): Promise<PushOutcome[]> {
  const outcomes: PushOutcome[] = new Array(page.length);
  const sendOne = async (subscription: PushSubscriptionRecord): Promise<PushOutcome> => {
    for (let attempt = 0; ; attempt++) {
      const outcome = await sender.send(subscription, body, topic);
      if (outcome.kind !== "retry" || attempt >= pace.retries || stopping()) return outcome;
      await new Promise((resolve) => setTimeout(resolve, Math.min(outcome.afterMs ?? pace.retryBaseMs * 2 ** attempt, MAX_RETRY_WAIT_MS)));
    }
  };
  let next = 0;
  const lane = async () => {
    while (next < page.length) {
      const index = next++;
      outcomes[index] = await sendOne(page[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(pace.concurrency, page.length) }, lane));
  return outcomes;
}
