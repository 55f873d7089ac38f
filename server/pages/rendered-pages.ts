import { randomUUID } from "node:crypto";
import { Lru } from "../../shared/lru.js";

/** How much rendered HTML (in characters) is kept: a few dozen big stories' pages. */
const RENDERED_BUDGET = 32 * 1024 * 1024;
/**
 * How long a rendered page is reused. Its relative times ("5 min ago") are at most this old, as
 * often as a hydrated page's own clock ticks; a new version is rendered at once (it is another key).
 */
const FRESH_MS = 30_000;

/**
 * Reader pages rendered once per story version (and variant) and then reused for a while: the
 * server-side render of a big story costs far more than a request should hold the event loop.
 * What differs from one response to the next (the CSP nonce; an embed's theme and accent, which
 * any page may ask for) goes into slots: the page is rendered with an unguessable placeholder in
 * each, kept cut at them, and each response fills them in.
 */
export class RenderedPages<Slot extends string = "nonce"> {
  readonly #marker = randomUUID().replaceAll("-", "");
  readonly #cut = new RegExp(`${this.#marker}([a-z]+)\\.`);
  readonly #pages = new Lru<string, { parts: string[]; at: number }>(RENDERED_BUDGET, (page) =>
    page.parts.reduce((sum, part) => sum + part.length, 0),
  );

  /**
   * The page under `key` (which must name the story's version and the variant), with `fills` in its
   * slots, rendered by `render` (given each slot's placeholder) when not fresh.
   */
  async html(
    key: string,
    fills: Record<Slot, string>,
    render: (slots: Record<Slot, string>, renderedAt: string) => string | Promise<string>,
  ): Promise<string> {
    const now = Date.now();
    let page = this.#pages.get(key);
    if (!page || now - page.at > FRESH_MS) {
      const slots = Object.fromEntries(Object.keys(fills).map((slot) => [slot, `${this.#marker}${slot}.`])) as Record<Slot, string>;
      // Split with a capturing group: text, slot name, text, slot name, …, text.
      page = this.#pages.set(key, { parts: (await render(slots, new Date(now).toISOString())).split(this.#cut), at: now });
    }
    return page.parts.map((part, index) => (index % 2 === 0 ? part : fills[part as Slot])).join("");
  }
}
