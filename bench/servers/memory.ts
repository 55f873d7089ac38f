/** Resident memory after full collections, so that one reading compares with another (run with --expose-gc). */
export function settledMemory(): { rss: number; heapUsed: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("start the server with --expose-gc");
  for (let i = 0; i < 3; i++) gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

/** The node flags every server under test runs with. */
export const SERVER_EXEC_ARGV = ["--expose-gc"];
