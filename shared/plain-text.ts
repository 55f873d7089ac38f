/**
 * The first non-empty line of a Markdown body as plain text: links keep their text, emphasis,
 * heading and code marks go, leading quote and list markers go; capped at `max` with an ellipsis.
 * Used where a headline is needed and the editor wrote none (ticker items, structured data).
 */
export function plainFirstLine(body: string, max: number): string {
  const line = body.split(/\r?\n/).find((candidate) => candidate.trim() !== "") ?? "";
  const text = line
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*_#`]/g, "")
    .replace(/^\s*(?:>\s*)+/, "")
    .replace(/^\s*[-+]\s+/, "")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}
