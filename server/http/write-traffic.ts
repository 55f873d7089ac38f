import type { RequestHandler } from "express";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Whether a request of this method may change something (what the write metrics and the fan-out count). */
export const isWrite = (method: string) => !READS.has(method);

/** Two writes closer together than this, the latest this recent, make a busy desk. */
export const BUSY_GAP_MS = 500;

/**
 * Editors' writes as the event loop's other users see them (live/fan-out.ts shares the loop with
 * them): how many are being served at this moment, and whether they have been arriving in quick
 * succession (a wire feed, a burst of corrections) or one now and then (a newsroom's usual pace).
 */
export class WriteTraffic {
  #inFlight = 0;
  #last = -Infinity;
  #gap = Infinity;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * Counts a write from the turn its headers are read until its answer is sent or its client
   * leaves. Mounted before the routes, so that every later turn the write needs is known to wait.
   */
  readonly track: RequestHandler = (req, res, next) => {
    if (!isWrite(req.method)) return next();
    const now = this.now();
    this.#gap = now - this.#last;
    this.#last = now;
    this.#inFlight++;
    let done = false;
    const finished = () => {
      if (!done) this.#inFlight--;
      done = true;
    };
    res.once("finish", finished);
    res.once("close", finished);
    next();
  };

  /** A write is being served: whatever holds the loop should hand it back soon. */
  waiting(): boolean {
    return this.#inFlight > 0;
  }

  /** Writes have been coming in quick succession, so the next is likely to arrive during a fan-out. */
  busy(): boolean {
    return this.#gap < BUSY_GAP_MS && this.now() - this.#last < BUSY_GAP_MS;
  }
}
