/**
 * The language of a page when nothing names another (BCP 47): the `lang` of its `<html>` and the
 * language its dates and relative times are written in.
 */
export const DEFAULT_LANGUAGE = "en";
