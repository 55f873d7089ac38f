/**
 * The data model's limits (shared/story.ts LIMITS, STORY_ID_PATTERN), repeated here so the desk's
 * bundle does not carry zod; limits.test.ts keeps the two equal.
 */
export const DESK_LIMITS = {
  headline: 200,
  body: 10_000,
  title: 200,
  summary: 1_000,
} as const;

/**
 * `pattern` attributes: browsers compile them with the `v` flag and anchor them, so a literal
 * "-" in a class is escaped and there are no ^…$.
 */
export const STORY_ID_INPUT_PATTERN = "[a-z0-9][a-z0-9\\-]{0,63}";
export const USERNAME_INPUT_PATTERN = "[a-z0-9][a-z0-9._\\-]{1,31}";
export const MIN_PASSWORD_LENGTH = 12;
