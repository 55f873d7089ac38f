/**
 * Display names (bylines and desk presence; DESIGN.md §7): no direction controls or invisible
 * characters, and unique after folding case and look-alike characters, so that no account can
 * publish as another, or as the newsroom, with a name a reader cannot tell apart.
 *
 * The fold is a compact stand-in for Unicode TR39's confusable skeleton (no package in the
 * dependencies computes one): NFKC, default-ignorable characters dropped, accents dropped, case
 * folded, the Cyrillic and Greek letters and Latin small capitals that look like Latin ones mapped
 * to them, 0 to o and 1, i,
 * | to l, `rn` to m and `vv` to w, and everything but letters and digits dropped. It catches what a
 * byline can be made to look like; a script-mixing attack it does not know of is still refused as
 * long as the result folds to a name already taken.
 */

/**
 * What a name may not contain: format characters (Cf: the bidi embeddings, overrides, isolates
 * and marks U+202A–202E, U+2066–2069, U+200E, U+200F, U+061C; the zero-width U+200B–200D, U+2060,
 * U+FEFF; the soft hyphen), the blank letters that draw nothing (Hangul fillers, the combining
 * grapheme joiner, Khmer inherent vowels, Mongolian selectors, the braille blank), line and
 * paragraph separators, private-use and unassigned code points.
 */
const HIDDEN = /[\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u2800\u3164\uFFA0]/u;

export const HIDDEN_CHARACTERS_MESSAGE =
  "must not contain direction controls (U+202A–202E, U+2066–2069, U+200E, U+200F, U+061C) or invisible characters (zero-width spaces and joiners, soft hyphens, other format characters)";

export const hasHiddenCharacters = (name: string): boolean => HIDDEN.test(name);

/** Capitals that look like Latin ones (mapped before lower-casing, which would make Greek Η an n-like η). */
const CAPITALS: Record<string, string> = {
  Α: "a", Β: "b", Ε: "e", Ζ: "z", Η: "h", Ι: "l", Κ: "k", Μ: "m", Ν: "n", Ο: "o", Ρ: "p", Τ: "t", Υ: "y", Χ: "x",
  А: "a", В: "b", Е: "e", К: "k", М: "m", Н: "h", О: "o", Р: "p", С: "c", Т: "t", Х: "x", У: "y", Ѕ: "s", І: "l", Ј: "j", Ү: "y", Ԁ: "d",
};
/** Small letters (Cyrillic, Greek, Latin small capitals) and digits that look like Latin ones, or like each other. */
const SMALL: Record<string, string> = {
  а: "a", в: "b", е: "e", к: "k", м: "m", н: "h", о: "o", р: "p", с: "c", т: "t", у: "y", х: "x", ѕ: "s", і: "l", ј: "j", һ: "h", ӏ: "l", ԁ: "d", ԛ: "q", ԝ: "w", ү: "y",
  α: "a", ε: "e", ι: "l", κ: "k", ν: "v", ο: "o", ρ: "p", τ: "t", υ: "u", χ: "x", γ: "y", η: "n",
  ı: "l", ł: "l", ø: "o", đ: "d", ħ: "h", ß: "ss",
  ᴀ: "a", ʙ: "b", ᴄ: "c", ᴅ: "d", ᴇ: "e", ɢ: "g", ʜ: "h", ɪ: "l", ᴊ: "j", ᴋ: "k", ʟ: "l", ᴍ: "m", ɴ: "n", ᴏ: "o", ᴘ: "p", ʀ: "r", ꜱ: "s", ᴛ: "t", ᴜ: "u", ᴠ: "v", ᴡ: "w", ʏ: "y", ᴢ: "z",
  i: "l", "1": "l", "|": "l", "0": "o",
};

/** The form two names share when a reader could take one for the other: what must be unique. */
export function nameFold(name: string): string {
  const capitals = [...name.normalize("NFKC").replace(/\p{Default_Ignorable_Code_Point}/gu, "")].map((ch) => CAPITALS[ch] ?? ch).join("");
  const small = [...capitals.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase()].map((ch) => SMALL[ch] ?? ch).join("");
  return small.replace(/[^\p{L}\p{N}]/gu, "").replace(/rn/g, "m").replace(/vv/g, "w");
}

/** Roles and the newsroom itself (the admin token's byline), which an account's name may not pose as. */
const RESERVED = new Set(["admin", "administrator", "editor", "contributor", "moderator", "newsroom", "staff", "system"].map(nameFold));

/** Whether a name, or a word of it ("Olena (admin)", "adm1n"), reads as a role or as the newsroom. */
export function posesAsRole(name: string): boolean {
  const words = name.normalize("NFKC").split(/[^\p{L}\p{N}]+/u);
  return RESERVED.has(nameFold(name)) || words.some((word) => RESERVED.has(nameFold(word)));
}
