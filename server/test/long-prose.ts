/** ~9 KB of plain prose (body and HTML make ~12 KB of JSON): a few dozen entries make a story of about 1 MB. */
export const longBody = (n: number): string =>
  Array.from({ length: 120 }, (_, line) => `Paragraph ${line} of update ${n}: the desk confirms what it can, and says what it cannot yet.`)
    .join("\n\n")
    .slice(0, 9000);
