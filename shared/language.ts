/**
 * The language of a story when nothing names another (BCP 47): the `lang` of its pages, the
 * language its dates and relative times are written in, and the one stories created before
 * stories had a language read as.
 */
export const DEFAULT_LANGUAGE = "en";

/** BCP 47 recommends room for at least 35 characters; nothing longer names a language people write. */
export const MAX_LANGUAGE_TAG_LENGTH = 35;

/** The canonical form of a well-formed tag ("EN-gb" → "en-GB"); undefined for anything else. */
export function canonicalLanguage(tag: string): string | undefined {
  // Intl throws a RangeError on a structurally invalid tag: the same judgement every reader's browser makes.
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/** What a malformed tag is told (shared/story.ts, shared/api.ts). */
export const LANGUAGE_MESSAGE = "must be a well-formed BCP 47 language tag, such as en, uk, ar or pt-BR";

/**
 * Scripts written right to left (Unicode script codes). A language's script comes from its tag
 * ("az-Arab") or, most often, from the likely-subtags data (`ar` → Arab, `fa` → Arab, `ur` → Arab,
 * `he` → Hebr, `yi` → Hebr, `dv` → Thaa), so a tag needs no list of RTL languages.
 */
const RIGHT_TO_LEFT_SCRIPTS = new Set(["Adlm", "Arab", "Hebr", "Mand", "Mend", "Nkoo", "Rohg", "Samr", "Syrc", "Thaa", "Yezi"]);

/** `rtl` or `ltr`: the `dir` of a page, feed item or text area written in `lang`. */
export function textDirection(lang: string): "ltr" | "rtl" {
  try {
    return RIGHT_TO_LEFT_SCRIPTS.has(new Intl.Locale(lang).maximize().script ?? "") ? "rtl" : "ltr";
  } catch {
    return "ltr";
  }
}
