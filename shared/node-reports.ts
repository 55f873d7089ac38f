/**
 * What every other node last said about itself (its editors on the desk, its readers per story),
 * for state that each node owns and the others only mirror. A node reports its whole state, so a
 * lost or late message is repaired by the next one; a report older than one already heard
 * (a lower `seq`) is ignored; a node that stops reporting (crashed, cut off) is forgotten after
 * `ttlMs`. Pure: the caller supplies the clock.
 */
export interface NodeReport<T> {
  node: string;
  /** Rises with every report a node sends (per process life; a restarted node is a new node). */
  seq: number;
  state: T;
}

export class NodeReports<T> {
  readonly #latest = new Map<string, { seq: number; state: T; heardAt: number }>();

  constructor(private readonly ttlMs: number) {}

  /** Keeps a report unless a newer one from that node was heard; true when it was kept. */
  accept(report: NodeReport<T>, now: number): boolean {
    const known = this.#latest.get(report.node);
    if (known && known.seq >= report.seq) return false;
    this.#latest.set(report.node, { seq: report.seq, state: report.state, heardAt: now });
    return true;
  }

  /** Forgets the nodes not heard from within the TTL; true when any was forgotten. */
  expire(now: number): boolean {
    let forgot = false;
    for (const [node, known] of this.#latest) {
      if (now - known.heardAt > this.ttlMs) forgot = this.#latest.delete(node) || forgot;
    }
    return forgot;
  }

  /** The states of the nodes still heard from. */
  *states(): Generator<T> {
    for (const known of this.#latest.values()) yield known.state;
  }
}
