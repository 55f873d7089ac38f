import { DomainError, rateLimited } from "../../shared/error-codes.js";
import { Gate } from "./gate.js";

export interface AdmissionLimits {
  /** Uploads processed at once, by all accounts together. */
  concurrency: number;
  /** Uploads waiting for their turn, by all accounts together; past it, 503 `server_busy`. */
  queueLength: number;
  /** One account's uploads in line, the one being processed included; past it, 429 `rate_limited`. */
  perAccount: number;
}

/** What a refused client is told to wait: an upload takes a second or two, a queue of them longer. */
const ACCOUNT_RETRY_MS = 5_000;
const BUSY_RETRY_SECONDS = 10;

/**
 * Who may upload now. Each account has its own line and only its first upload is processed at
 * a time, so ten uploads from one account take one decoding place, never all of them: another
 * editor's photo waits for at most one of theirs. The desk sends the photos dropped together
 * at once, so an account's line holds that many (MAX_MEDIA_PER_ENTRY) before refusing.
 */
export class UploadAdmission {
  readonly #gate: Gate;
  readonly #accounts = new Map<string, { line: Gate; count: number }>();
  #waiting = 0;

  constructor(private readonly limits: AdmissionLimits) {
    this.#gate = new Gate(limits.concurrency);
  }

  /**
   * Throws the refusal (with `retryAfter`, which the HTTP layer sends as Retry-After) if `account`
   * may not queue another upload now. Checked before the body is read, so a refused upload is not read at all.
   */
  check(account: string): void {
    if ((this.#accounts.get(account)?.count ?? 0) >= this.limits.perAccount) {
      throw rateLimited(ACCOUNT_RETRY_MS, `Your earlier uploads are still being processed; wait for them before sending more.`);
    }
    if (this.#waiting >= this.limits.queueLength) {
      throw new DomainError("server_busy", `The server is processing many uploads; try again in ${BUSY_RETRY_SECONDS} seconds.`, { retryAfter: BUSY_RETRY_SECONDS });
    }
  }

  /** Runs `task` in `account`'s line and then in the shared one; `check` first. */
  async run<T>(account: string, task: () => Promise<T>): Promise<T> {
    this.check(account);
    const entry = this.#accounts.get(account) ?? { line: new Gate(1), count: 0 };
    this.#accounts.set(account, entry);
    entry.count++;
    this.#waiting++;
    let started = false;
    try {
      return await entry.line.run(() =>
        this.#gate.run(() => {
          started = true;
          this.#waiting--;
          return task();
        }),
      );
    } finally {
      if (!started) this.#waiting--;
      if (--entry.count === 0) this.#accounts.delete(account);
    }
  }
}
