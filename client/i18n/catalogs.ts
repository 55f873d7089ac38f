/**
 * The rules every message catalog (client/i18n/messages/<locale>.json, inlang message format)
 * keeps, judged before Paraglide compiles them (scripts/messages.ts), so that a gap fails the
 * build and never reaches a reader as a fallback to English:
 * - every catalog has exactly the base catalog's messages, with the same inputs;
 * - a message that varies by number covers every plural category of its locale (Intl.PluralRules:
 *   Ukrainian has one, few, many and other);
 * - no message of another catalog is left as the base catalog's words (a phrase of two words or
 *   more; a single word may well be the same in both, "Status" in German).
 * Pure, so the tests feed it broken catalogs as well as the real ones.
 */

/** A complex message: inputs, selectors and one pattern per match (e.g. `countPlural=few`). */
export interface VariantMessage {
  declarations?: string[];
  selectors?: string[];
  match: Record<string, string>;
}
export type Message = string | [VariantMessage];
export type Catalog = Record<string, Message>;

/** The catalog every other one is checked against (the inlang project's base locale). */
export const BASE_LOCALE = "en";

const PLACEHOLDER = /\{(\w+)\}/g;

/** The inputs a message takes: its `{name}` placeholders, or its declared inputs. */
export function inputsOf(message: Message): string[] {
  if (typeof message === "string") return [...new Set([...message.matchAll(PLACEHOLDER)].map((match) => match[1]!))].sort();
  return (message[0].declarations ?? []).flatMap((declaration) => /^input (\w+)$/.exec(declaration)?.slice(1) ?? []).sort();
}

/** The plural categories a variant message matches on (`countPlural=few` → "few"), when it varies by number. */
function pluralMatches(message: VariantMessage): Set<string> | undefined {
  const plural = (message.declarations ?? []).map((declaration) => /^local (\w+) = \w+: plural\b/.exec(declaration)?.[1]).find(Boolean);
  if (!plural) return undefined;
  return new Set(Object.keys(message.match).flatMap((key) => key.split(",").flatMap((part) => (part.startsWith(`${plural}=`) ? [part.slice(plural.length + 1)] : []))));
}

/** The phrases of a message, without its placeholders: what a translator translates. */
function phrases(message: Message): string[] {
  const patterns = typeof message === "string" ? [message] : Object.values(message[0].match);
  return patterns.map((pattern) => pattern.replace(PLACEHOLDER, "").trim()).filter((text) => /\p{L}+\P{L}+\p{L}/u.test(text));
}

/** Every problem of `catalogs` (keyed by locale), one sentence each; none means they compile as they are. */
export function catalogProblems(catalogs: Record<string, Catalog>): string[] {
  const base = catalogs[BASE_LOCALE];
  if (!base) return [`there is no ${BASE_LOCALE}.json, the catalog every other is checked against`];
  const problems: string[] = [];
  for (const [locale, catalog] of Object.entries(catalogs)) {
    const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
    for (const key of Object.keys(base)) {
      if (!(key in catalog)) problems.push(`${locale}.json lacks "${key}"`);
    }
    for (const [key, message] of Object.entries(catalog)) {
      const original = base[key];
      if (original === undefined) {
        problems.push(`${locale}.json has "${key}", which ${BASE_LOCALE}.json does not`);
        continue;
      }
      if (inputsOf(message).join() !== inputsOf(original).join()) {
        problems.push(`${locale}.json "${key}" takes {${inputsOf(message).join("}, {")}}, ${BASE_LOCALE}.json {${inputsOf(original).join("}, {")}}`);
      }
      const matched = typeof message === "string" ? undefined : pluralMatches(message[0]);
      const missing = matched && categories.filter((category) => !matched.has(category));
      if (missing?.length) problems.push(`${locale}.json "${key}" lacks the plural form${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
      if (locale !== BASE_LOCALE) {
        const english = new Set(phrases(original));
        const untranslated = phrases(message).filter((text) => english.has(text));
        if (untranslated.length > 0) problems.push(`${locale}.json "${key}" is still in ${BASE_LOCALE}.json's words: "${untranslated[0]}"`);
      }
    }
  }
  return problems;
}
