import { STORY_ID_PATTERN } from "./story.js";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A new entry id such as `e_7Gh2kQ9x`: 8 base62 characters (47 bits), random, safe in a JSON Pointer. */
export function newEntryId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  // 256 % 62 leaves a tiny bias towards the first characters; it does not matter for uniqueness.
  return `e_${Array.from(bytes, (b) => BASE62[b % 62]).join("")}`;
}

/** A story id derived from its title: "Kyiv strikes: day 2" → "kyiv-strikes-day-2". */
export function slugify(title: string): string {
  const slug = title
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
export function slugVariant(slug: string, n: number): string {
  const suffix = `-${n}`;
  return `${slug.slice(0, 64 - suffix.length).replace(/-+$/, "")}${suffix}`;
}
