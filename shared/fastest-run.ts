/**
 * The fastest of three runs of `run`, in ms: what the time tests of linear code compare, so that a
 * busy machine does not make a linear pass look slow. For tests only.
 */
export function fastestMs(run: () => unknown): number {
  let best = Infinity;
  for (let n = 0; n < 3; n++) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}
