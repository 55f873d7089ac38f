import { DEFAULT_DESK_LANGUAGE, DESK_LANGUAGES, type DeskLanguage } from "../../shared/accounts.js";
import type { Locale } from "../lib/i18n.js";
import { textDirection } from "../../shared/language.js";
import { pageLocale } from "../lib/time.js";

/**
 * The language of the desk's own words: the signed-in account's choice (stored with it, PATCH
 * /api/session), or before anyone is known the site's when the desk speaks it. Never a
 * story's: the composer writes in the story's language, and its preview shows the reader's
 * words in that language, whatever the desk speaks.
 */
let current = $state<DeskLanguage>(DEFAULT_DESK_LANGUAGE);

export const deskLanguage = {
  get current(): DeskLanguage {
    return current;
  },
  /**
   * Speaks `language` from now on, in every component at once, and says so on `<html lang>`
   * (screen readers, hyphenation, spelling) and `<html dir>` (an Arabic desk mirrors).
   */
  set(language: DeskLanguage): void {
    current = language;
    if (typeof document === "undefined") return;
    document.documentElement.lang = language;
    document.documentElement.dir = textDirection(language);
  },
};

/**
 * The desk language of the site's language (SITE_LANGUAGE, the `<html lang>` the server gave the
 * desk's page): the sign-in form speaks it, if the desk does, else English; never a guess from
 * the browser's preferences.
 */
export function siteDeskLanguage(siteLanguage: string): DeskLanguage {
  const language = siteLanguage.split("-")[0]!.toLowerCase();
  return DESK_LANGUAGES.find((desk) => desk === language) ?? DEFAULT_DESK_LANGUAGE;
}

type Message<Inputs> = (inputs: Inputs, options: { locale: Locale }) => string;

/**
 * A catalog message in the desk's language: `t(m.desk_save)`, `t(m.desk_entries, { count })`.
 * Reading the language here makes every caller in a template follow a change at once.
 */
export function t(message: Message<{}>): string;
export function t<Inputs extends object>(message: Message<Inputs>, inputs: Inputs): string;
export function t(message: Message<object>, inputs: object = {}): string {
  return message(inputs, { locale: current });
}

/** Dates and numbers in the desk's language, in the browser's own variant of it (en-GB: "14:05", en-US: "02:05 PM"). */
export const deskLocale = (): string => pageLocale(current, typeof navigator === "undefined" ? [] : navigator.languages);

/** Names as a sentence says them in the desk's language: "Olena and Taras", "Олена та Тарас". */
export const deskList = (names: readonly string[]): string => new Intl.ListFormat(current, { type: "conjunction" }).format(names);
