import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";

/**
 * Loaded into a child server (`startChild(…, { imports: [this file] })`): measures how long the
 * server's event loop is held, and answers over IPC. "reset" starts a new measurement; "read"
 * answers the longest delay since and the longest garbage collection pause, in milliseconds.
 */
const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
let gcMaxMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, entry.duration);
}).observe({ entryTypes: ["gc"] });

process.on("message", (message) => {
  if (message === "reset") {
    histogram.reset();
    gcMaxMs = 0;
    process.send?.({ reset: true });
  } else if (message === "read") {
    process.send?.({ maxMs: histogram.max / 1e6, gcMaxMs });
  }
});
