/**
 * The first non-empty line of a Markdown body as plain text: links keep their text, emphasis,
 * heading and code marks go, leading quote and list markers go; capped at `max` with an ellipsis.
 * Used where a headline is needed and the editor wrote none (ticker items, feeds, structured data).
 *
 * Linear in the body's length, whatever it holds: it runs on every entry of every ticker, embed,
 * feed and page, on the server and in readers' browsers. (A link regex such as
 * `\[([^\]]*)\]\([^)]*\)` rescans the rest of the line from every `[` that has no `]` after it:
 * 10 000 brackets took 75 ms per entry.)
 */
export function plainFirstLine(body: string, max: number): string {
  const text = linkTexts(firstLine(body))
    .replace(/[*_#`]/g, "")
    .replace(/^\s*(?:>\s*)+/, "")
    .replace(/^\s*[-+]\s+/, "")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

function firstLine(body: string): string {
  for (let start = 0; start <= body.length; ) {
    const newline = body.indexOf("\n", start);
    const end = newline === -1 ? body.length : newline;
    const line = body.slice(start, end).replace(/\r$/, "");
    if (line.trim() !== "") return line;
    if (newline === -1) break;
    start = newline + 1;
  }
  return "";
}

/**
 * `[text](url)` and `![alt](src)` become their text: from a `[`, the text runs to the first `]`,
 * which must be followed by `(`, and the destination to the first `)`. Where that fails the `[`
 * stays as written and the scan moves on one character. Each position's next `]` and next `)`
 * are found once (backwards), so a failed link costs one step, not a rescan of the line.
 */
function linkTexts(line: string): string {
  if (!line.includes("](")) return line;
  const nextClosing = (char: string) => {
    const next = new Int32Array(line.length + 1).fill(-1);
    for (let i = line.length - 1; i >= 0; i--) next[i] = line[i] === char ? i : next[i + 1]!;
    return next;
  };
  const bracket = nextClosing("]");
  const paren = nextClosing(")");
  let out = "";
  let copied = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== "[") continue;
    const close = bracket[i + 1]!;
    if (close === -1 || line[close + 1] !== "(") continue;
    const end = paren[close + 2]!;
    if (end === -1) continue;
    const start = i > 0 && line[i - 1] === "!" && i - 1 >= copied ? i - 1 : i;
    out += line.slice(copied, start) + line.slice(i + 1, close);
    copied = end + 1;
    i = end;
  }
  return out + line.slice(copied);
}
