/**
 * The platforms a reader chose to always show on this site ("Always show YouTube on this site"),
 * by the origin their frames load from: kept in this browser's localStorage, never sent to the
 * server, revocable from any card of the platform. One state for the whole page, so consent given
 * on one card opens the others of the platform at once; other tabs follow through `storage` events.
 */
const KEY = "live-ticker:embed-consent";
/** More than the platforms and the Mastodon instances one page may frame (shared/embed-frames.ts MAX_FRAME_ORIGINS). */
const MAX_REMEMBERED = 64;

function read(): Set<string> {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(KEY) ?? "[]");
    const origins = Array.isArray(value) ? value.filter((origin): origin is string => typeof origin === "string" && /^https:\/\/[a-z0-9.-]+$/.test(origin)) : [];
    return new Set(origins.slice(-MAX_REMEMBERED));
  } catch {
    return new Set(); // storage disabled, or a value we did not write
  }
}

class EmbedConsent {
  #origins = $state<ReadonlySet<string>>(new Set());
  #listening = false;

  /** Reads the reader's choices; in the browser only (the server render knows none, so shows every card). */
  start(): void {
    this.#origins = read();
    if (this.#listening) return;
    this.#listening = true;
    addEventListener("storage", (event) => {
      if (event.key === KEY || event.key === null) this.#origins = read();
    });
  }

  has(origin: string): boolean {
    return this.#origins.has(origin);
  }

  remember(origin: string): void {
    this.#save(new Set([...this.#origins, origin]));
  }

  forget(origin: string): void {
    this.#save(new Set([...this.#origins].filter((known) => known !== origin)));
  }

  #save(origins: Set<string>): void {
    this.#origins = origins;
    try {
      localStorage.setItem(KEY, JSON.stringify([...origins].slice(-MAX_REMEMBERED)));
    } catch {
      // Private mode or a full quota: remembered for this page only.
    }
  }
}

export const embedConsent = new EmbedConsent();
