import { getContext, setContext } from "svelte";

const KEY = Symbol("frame-origins");

/**
 * The frame origins this page's Content-Security-Policy allows (shared/embed-frames.ts
 * frameOrigins of the snapshot the server rendered it from). A page that may show embeds sets them;
 * an embed whose origin is not among them (one that arrived live from a platform the page did not
 * show before, or any embed on a page that sets none) stays a link, as the browser would refuse its frame.
 */
export function setFrameOrigins(origins: readonly string[]): void {
  setContext(KEY, new Set(origins));
}

export function frameOriginsAllowed(): ReadonlySet<string> {
  return getContext<ReadonlySet<string> | undefined>(KEY) ?? new Set();
}
