/** A number as a catalog message takes it: its value for the plural rules, its digits for the sentence. */
export interface LocalNumber {
  valueOf(): number;
  toString(): string;
}

/**
 * `value` written as `locale` writes numbers, for a message's input: the compiled message picks
 * its plural form from the value (`Number(input)` calls `valueOf`) and writes the digits the
 * locale asks for (a template calls `toString`): "٣ تحديثات جديدة" in `ar-EG`, "3 تحديثات جديدة"
 * in `ar`. The page's own language, not the reader's, so a page is the same bytes for everyone.
 */
export function localNumber(value: number, locale: string): LocalNumber {
  let text: string;
  try {
    text = new Intl.NumberFormat(locale).format(value);
  } catch {
    text = String(value); // a tag Intl cannot read (stories keep well-formed ones; this is the last guard)
  }
  return { valueOf: () => value, toString: () => text };
}
