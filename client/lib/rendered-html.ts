import type { Snapshot } from "../../shared/story.js";

/** The comments Svelte puts around an `{@html}` block it rendered on the server (and hydrates by). */
const HTML_BLOCK_MARKS = /^<!--[^>]*-->|<!---->$/g;

/**
 * Puts back the HTML the server left out of the page data because the page renders it
 * (shared/page-data.ts `withoutRenderedHtml`): read from the element that shows each entry's body,
 * found by `bodyOf`. Called before hydrating, so the components start from whole entries. The
 * browser's serialization may write the same markup differently (quotes, entities); hydration keeps
 * the server's nodes whatever the string, and the entry's next edit brings the server's string.
 */
export function withRenderedHtml(snapshot: Snapshot, bodyOf: (entryId: string) => Element | null | undefined): Snapshot {
  const entries = { ...snapshot.entries };
  for (const [id, entry] of Object.entries(entries)) {
    if (entry.html !== "") continue;
    const body = bodyOf(id);
    if (body) entries[id] = { ...entry, html: body.innerHTML.replace(HTML_BLOCK_MARKS, "") };
  }
  return { ...snapshot, entries };
}
