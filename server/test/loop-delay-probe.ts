import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";

/**
 * Loaded into a child server (`startChild(…, { imports: [this file] })`): measures how long the
 * server's event loop is held, and answers over IPC. "reset" starts a new measurement; "read"
 * answers, in milliseconds since the reset:
 * - `heldMs`: the most CPU time the process spent between two turns of a 2 ms timer, i.e. the
 *   longest the event loop was held by work. Unlike a wall-clock delay it does not count the time
 *   the process waited for a core, so it means the same on an idle machine and a loaded one.
 * - `delayMs`: the longest wall-clock event-loop delay (monitorEventLoopDelay), which does.
 * - `gcMs`: the longest garbage collection pause.
 * - `cpuMs`: all the CPU time the process spent: what the work cost, however it was spread.
 *
 * The test's side: askProbe (server/test/loop-delay.ts).
 */
const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs = Math.max(gcMs, entry.duration);
}).observe({ entryTypes: ["gc"] });

let heldMs = 0;
let since = process.cpuUsage();
let resetAt = process.cpuUsage();
setInterval(() => {
  const used = process.cpuUsage(since);
  since = process.cpuUsage();
  heldMs = Math.max(heldMs, (used.user + used.system) / 1000);
}, 2).unref();

process.on("message", (message) => {
  if (message === "reset") {
    histogram.reset();
    gcMs = 0;
    heldMs = 0;
    resetAt = process.cpuUsage();
    process.send?.({ reset: true });
  } else if (message === "read") {
    const used = process.cpuUsage(resetAt);
    process.send?.({ heldMs, delayMs: histogram.max / 1e6, gcMs, cpuMs: (used.user + used.system) / 1000 });
  }
});
