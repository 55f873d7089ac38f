import { diffArrays } from "diff";

/**
 * A three-way merge of two edits of one text (an entry's Markdown), word by word: when the two
 * edits touch different words of the text they started from, both are kept; when they touch the
 * same words (or insert at the same place), there is no merge and the editor decides. Pure.
 */

/** Words and the whitespace between them, so a merge keeps line breaks and Markdown as typed. */
const tokens = (text: string): string[] => text.match(/\s+|\S+/g) ?? [];

/** One edit of the base: tokens [start, end) replaced by `insert`. */
interface Hunk {
  start: number;
  end: number;
  insert: string[];
}

function hunks(base: string[], edited: string[]): Hunk[] {
  const result: Hunk[] = [];
  let at = 0;
  let open: Hunk | undefined;
  for (const part of diffArrays(base, edited)) {
    if (!part.added && !part.removed) {
      if (open) result.push(open);
      open = undefined;
      at += part.count ?? part.value.length;
      continue;
    }
    open ??= { start: at, end: at, insert: [] };
    if (part.removed) {
      at += part.count ?? part.value.length;
      open.end = at;
    } else {
      open.insert.push(...part.value);
    }
  }
  if (open) result.push(open);
  return result;
}

/** Whether two edits of the base get in each other's way: overlapping, or both at the same spot. */
function clash(a: Hunk, b: Hunk): boolean {
  if (a.start === b.start) return true;
  return a.start < b.end && b.start < a.end;
}

/** Both edits applied to `base`, or undefined when they touch the same words. Equal edits merge to themselves. */
export function mergeText(base: string, mine: string, theirs: string): string | undefined {
  if (mine === theirs || theirs === base) return mine;
  if (mine === base) return theirs;
  const from = tokens(base);
  const ours = hunks(from, tokens(mine));
  const other = hunks(from, tokens(theirs));
  if (ours.some((a) => other.some((b) => clash(a, b)))) return undefined;
  const all = [...ours, ...other].sort((a, b) => a.start - b.start);
  const out: string[] = [];
  let at = 0;
  for (const hunk of all) {
    out.push(...from.slice(at, hunk.start), ...hunk.insert);
    at = hunk.end;
  }
  out.push(...from.slice(at));
  return out.join("");
}
