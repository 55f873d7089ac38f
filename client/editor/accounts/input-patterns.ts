// The input patterns of the desk's forms (the limits themselves come from shared/limits.ts).

/**
 * `pattern` attributes: browsers compile them with the `v` flag and anchor them, so a literal
 * "-" in a class is escaped and there are no ^…$.
 */
export const STORY_ID_INPUT_PATTERN = "[a-z0-9][a-z0-9\\-]{0,63}";
export const USERNAME_INPUT_PATTERN = "[a-z0-9][a-z0-9._\\-]{1,31}";
