import { onMount } from "svelte";
import { DEFAULT_LANGUAGE } from "../../shared/language.js";
import { pageLocale, type TimeContext } from "./time.js";

/**
 * The time context components format with, in the page's language `lang`. Server render and
 * hydration have no "now": they write absolute times in UTC, so both produce the same markup and a
 * page a CDN keeps for a while stays true; once mounted it switches to the reader's time zone (and
 * regional form of the page's language, see `pageLocale`), reads the clock and ticks, so
 * "2 min ago" stays true.
 */
export function readerClock(lang = DEFAULT_LANGUAGE, tickMs = 30_000): { readonly current: TimeContext } {
  let context = $state<TimeContext>({ locale: pageLocale(lang), timeZone: "UTC" });
  onMount(() => {
    const locale = pageLocale(lang, navigator.languages);
    const tick = () => (context = { now: Date.now(), locale });
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
