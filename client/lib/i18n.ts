import { getContext, setContext } from "svelte";
import { DEFAULT_LANGUAGE, textDirection } from "../../shared/language.js";
import { baseLocale, locales, type Locale } from "../i18n/generated/paraglide/runtime.js";
import { localNumber, type LocalNumber } from "./local-number.js";

export { m } from "../i18n/generated/paraglide/messages.js";
/** The languages there is a catalog for (one file each in client/i18n/messages), base first. */
export { locales as catalogLocales };
export type { Locale };

/**
 * A reader page's language: the story's, never the reader's (a page is the same bytes for every
 * reader, so a CDN may keep it). `lang` and `dir` go on `<html>` (server/pages/document.ts);
 * `ui` is the catalog its interface words come from: the story's language when there is a catalog
 * for it (`uk-UA` → `uk`), else the base catalog, English, while `lang` stays the story's.
 * Sentences of interface words carry `dir="auto"`: English words in a right-to-left page keep
 * their full stop and brackets where English puts them, and a catalog in a right-to-left
 * language lays them out right to left.
 */
export interface PageLanguage {
  lang: string;
  dir: "ltr" | "rtl";
  ui: Locale;
  /**
   * Attributes for an element of interface words (`<span {...uiMark}>`): none when the catalog
   * speaks the page's language; else the catalog's own `lang` and `dir`, so the English words of a
   * page in a language without a catalog are marked as English and isolated from the story's
   * direction, never read out with the story's language's rules. The same for every reader.
   */
  uiMark: { lang?: string; dir?: "ltr" | "rtl" };
  /** A number for a message's input, written as the page's language writes numbers (client/lib/local-number.ts). */
  num: (value: number) => LocalNumber;
}

/** The catalog for `lang`: its own, or the one of its language without region or script, or English. */
export function interfaceLocale(lang: string): Locale {
  const exact = locales.find((locale) => locale.toLowerCase() === lang.toLowerCase());
  if (exact) return exact;
  const language = lang.split("-")[0]!.toLowerCase();
  return locales.find((locale) => locale === language) ?? baseLocale;
}

/** Whether the catalog `ui` is the one of `lang`'s own language (`uk` for `uk-UA`), not a fallback. */
export function speaksLanguage(ui: Locale, lang: string): boolean {
  return ui.split("-")[0]!.toLowerCase() === lang.split("-")[0]!.toLowerCase();
}

/** The language of a page of a story in `lang` (for a component outside any page, such as the desk's previews). */
export function pageLanguage(lang = DEFAULT_LANGUAGE): PageLanguage {
  const ui = interfaceLocale(lang);
  return {
    lang,
    dir: textDirection(lang),
    ui,
    uiMark: speaksLanguage(ui, lang) ? {} : { lang: ui, dir: textDirection(ui) },
    num: (value) => localNumber(value, lang),
  };
}

/**
 * User text or a date set inside a message (U+2068 … U+2069, the text form of `<bdi>`): an Arabic
 * time inside an English sentence keeps its own order and leaves the sentence's alone.
 */
export const isolate = (text: string): string => `\u2068${text}\u2069`;

const KEY = Symbol("page-language");

/** Called by a page's root component (while it initialises), so every component below speaks its language. */
export function providePageLanguage(lang = DEFAULT_LANGUAGE): PageLanguage {
  return setContext(KEY, pageLanguage(lang));
}

/** The language of the page a component is in (English in a page that names none, such as the desk's previews). */
export function usePageLanguage(): PageLanguage {
  return getContext<PageLanguage | undefined>(KEY) ?? pageLanguage();
}
