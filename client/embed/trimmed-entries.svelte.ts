import { isTrimmed } from "../../shared/page-data.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { requestJson } from "../lib/request.js";

/**
 * The bodies of the entries the embed list's page data left out (shared/page-data.ts `listView`),
 * fetched with the latest view when one of them comes into the list (a listed one was removed):
 * once per entry, whatever the number of updates since. Until it is in, the item shows its
 * headline or nothing; a later edit of it brings its body in the patch, which then wins.
 */
export class TrimmedEntries {
  #filled = $state.raw<Record<string, Pick<Entry, "body" | "html">>>({});
  readonly #asked = new Set<string>();

  constructor(private readonly storyId: string) {}

  /** The list's entries, each trimmed one with its body once fetched. */
  whole(listed: Entry[]): Entry[] {
    return listed.map((entry) => {
      const filled = isTrimmed(entry) ? this.#filled[entry.id] : undefined;
      // A patch that brought a body but not its HTML (the same HTML) leaves the fetched HTML right.
      return filled ? { ...entry, body: entry.body || filled.body, html: filled.html } : entry;
    });
  }

  /** Fetches the bodies of listed entries still trimmed and not asked for yet (call from an effect). */
  fetchMissing(listed: Entry[]): void {
    const missing = listed.filter((entry) => isTrimmed(entry) && !this.#asked.has(entry.id)).map((entry) => entry.id);
    if (missing.length === 0) return;
    for (const id of missing) this.#asked.add(id);
    requestJson<Snapshot>(`/api/stories/${encodeURIComponent(this.storyId)}?view=latest`).then(
      (view) => {
        const filled = { ...this.#filled };
        for (const id of missing) {
          const entry = view.entries[id];
          if (entry) filled[id] = { body: entry.body, html: entry.html };
        }
        this.#filled = filled;
      },
      // Asked again at the next update that still lists it.
      () => missing.forEach((id) => this.#asked.delete(id)),
    );
  }
}
