import { onMount } from "svelte";
import type { TimeContext } from "../lib/time.js";

/**
 * The time context components format with. Server render and hydration use the render time in
 * UTC, so both produce the same markup; once mounted it switches to the reader's own locale and
 * time zone and ticks, so "2 min ago" stays true.
 */
export function readerClock(renderedAt: string, tickMs = 30_000): { readonly current: TimeContext } {
  let context = $state<TimeContext>({ now: Date.parse(renderedAt), locale: "en-GB", timeZone: "UTC" });
  onMount(() => {
    const tick = () => (context = { now: Date.now() });
    tick();
    const timer = setInterval(tick, tickMs);
    return () => clearInterval(timer);
  });
  return {
    get current() {
      return context;
    },
  };
}
