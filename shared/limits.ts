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

/**
 * Key figures (DESIGN.md §1 `facts`): short enough for a box at the top of a phone screen, and few
 * enough that the box stays a glance (the API answers 409 past `perStory`).
 */
export const FACT_LIMITS = {
  label: 60,
  value: 80,
  source: 80,
  perStory: 12,
} as const;
