// Kept free of zod so that browser bundles (the desk's forms) can use the very same numbers.

/** Limits that are part of the data model (DESIGN.md §1). */
export const LIMITS = {
  headline: 200,
  body: 10_000,
  title: 200,
  summary: 1_000,
  authorName: 100,
} as const;

/** The shortest password an account may choose. */
export const MIN_PASSWORD_LENGTH = 12;

/** The longest display name (the byline of an account's entries; it fits LIMITS.authorName). */
export const MAX_DISPLAY_NAME_LENGTH = 80;
