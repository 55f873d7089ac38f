import { STORY_ID_PATTERN } from "./story.js";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A new entry id such as `e_7Gh2kQ9x`: 8 base62 characters (47 bits), random, safe in a JSON Pointer. */
export function newEntryId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  // 256 % 62 leaves a tiny bias towards the first characters; it does not matter for uniqueness.
  return `e_${Array.from(bytes, (b) => BASE62[b % 62]).join("")}`;
}

/**
 * Cyrillic → Latin after the Ukrainian national transliteration (Cabinet of Ministers resolution
 * 55, 2010), plus the Russian letters it lacks. Lower case only: slugify lowercases first.
 */
const CYRILLIC: Record<string, string> = {
  а: "a", б: "b", в: "v", г: "h", ґ: "g", д: "d", е: "e", є: "ie", ж: "zh", з: "z", и: "y", і: "i",
  ї: "i", й: "i", к: "k", л: "l", м: "m", н: "n", о: "o", п: "p", р: "r", с: "s", т: "t", у: "u",
  ф: "f", х: "kh", ц: "ts", ч: "ch", ш: "sh", щ: "shch", ь: "", ю: "iu", я: "ia",
  ё: "io", ъ: "", ы: "y", э: "e",
};
/** At the start of a word these letters are written with a leading y: Київ → kyiv but Їжак → yizhak. */
const CYRILLIC_INITIAL: Record<string, string> = { є: "ye", ї: "yi", й: "y", ю: "yu", я: "ya", ё: "yo" };

function transliterate(lower: string): string {
  return lower
    .replace(/(?<=[а-яёіїєґ])['’ʼ](?=[а-яёіїєґ])/gu, "") // the apostrophe inside a word is dropped: Знам'янка → znamianka
    .replace(/зг/g, "zgh") // keeps з+г apart from ж: Згурівка → zghurivka
    .replace(/(?<!\p{L})[єїйюяё]/gu, (c) => CYRILLIC_INITIAL[c]!)
    .replace(/[а-яёіїєґ]/g, (c) => CYRILLIC[c]!);
}

/** A story id derived from its title: "Kyiv strikes: day 2" → "kyiv-strikes-day-2", "Обстріл Києва" → "obstril-kyieva". */
export function slugify(title: string): string {
  // NFC first so й, ї and ё are single letters for the table, not и/і/е plus a mark to strip.
  const slug = transliterate(title.normalize("NFC").toLowerCase())
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64)
    .replace(/-+$/, "");
  return STORY_ID_PATTERN.test(slug) ? slug : "story";
}

/** The n-th alternative of a slug that is taken: kyiv-strikes → kyiv-strikes-2, staying within 64 chars. */
export function slugVariant(slug: string, n: number | string): string {
  const suffix = `-${n}`;
  return `${slug.slice(0, 64 - suffix.length).replace(/-+$/, "")}${suffix}`;
}

const BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A random alternative for when the numbered ones are all taken: kyiv-strikes → kyiv-strikes-k3f9x2. */
export function randomSlugVariant(slug: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  // 256 % 36 leaves a tiny bias towards the first characters; it does not matter for uniqueness.
  return slugVariant(slug, Array.from(bytes, (b) => BASE36[b % 36]).join(""));
}
