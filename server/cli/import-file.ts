import { createHash } from "node:crypto";
import { MAX_BATCH_ENTRIES, type AddEntriesBody } from "../../shared/api.js";

/** One entry as `POST …/entries/batch` takes it. */
export type BatchEntry = AddEntriesBody["entries"][number];

/** What an import file came to: the entries to send, oldest first, and what was left behind. */
export interface ImportPlan {
  entries: BatchEntry[];
  /** Photos dropped: they name images stored by the exporting installation, not this one. */
  droppedPhotos: number;
}

/** The fields of an exported entry (DESIGN.md §1) that a batch carries; the rest is this server's to make. */
const KEPT = ["body", "headline", "kind", "pinned", "createdAt"] as const;

/**
 * Reads an export of this project's own format (docs/api.md "Importing a story"): a story's
 * snapshot as `GET /api/stories/:id` serves it, `{entries:[…]}` as a batch is sent, a JSON array
 * of entries, or NDJSON (one entry a line). Entries are sent oldest first, so each batch's version
 * adds the story's next stretch of time. Throws an Error saying where a file is not one of these.
 */
export function planImport(text: string): ImportPlan {
  const raw = parseEntries(text);
  let droppedPhotos = 0;
  const entries = raw.map((value, index): BatchEntry => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`Entry ${index + 1} is not a JSON object.`);
    const source = value as Record<string, unknown>;
    const entry: Record<string, unknown> = {};
    for (const field of KEPT) if (source[field] !== undefined) entry[field] = source[field];
    if (Array.isArray(source.media)) {
      const embeds = source.media.filter((item) => (item as { type?: unknown })?.type === "embed");
      droppedPhotos += source.media.length - embeds.length;
      // The canonical URL is what the server judges again; its oEmbed details are fetched anew.
      if (embeds.length) entry.media = embeds.map((item) => ({ type: "embed", url: (item as { url: unknown }).url }));
    }
    return entry as BatchEntry;
  });
  // Stable: entries with no createdAt (sent at the server's time) keep their order, last.
  const order = (entry: BatchEntry) => (typeof entry.createdAt === "string" ? Date.parse(entry.createdAt) : Infinity);
  entries.sort((a, b) => order(a) - order(b));
  return { entries, droppedPhotos };
}

function parseEntries(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch {
    return trimmed.split(/\r?\n/).flatMap((line, index) => {
      if (line.trim() === "") return [];
      try {
        return [JSON.parse(line) as unknown];
      } catch {
        throw new Error(`Line ${index + 1} is not JSON: the file is neither one JSON document nor NDJSON.`);
      }
    });
  }
  if (Array.isArray(whole)) return whole;
  const entries = (whole as { entries?: unknown } | null)?.entries;
  if (Array.isArray(entries)) return entries;
  // A snapshot keys its entries by id; their order is the createdAt sort's.
  if (typeof entries === "object" && entries !== null) return Object.values(entries);
  // One NDJSON line is also one JSON document: a file of a single entry.
  if (typeof whole === "object" && whole !== null && "body" in whole) return [whole];
  throw new Error("The file holds no entries: give a story's snapshot, {\"entries\":[…]}, a JSON array or NDJSON of entries.");
}

/**
 * The file's entries in batches the server takes: at most MAX_BATCH_ENTRIES each, and at most
 * `maxBytes` of JSON (the server's MAX_BATCH_BODY_BYTES refuses more with 413).
 */
export function batchesOf(entries: BatchEntry[], maxBytes: number, maxEntries = MAX_BATCH_ENTRIES): BatchEntry[][] {
  const batches: BatchEntry[][] = [];
  let batch: BatchEntry[] = [];
  let bytes = 0;
  const envelope = Buffer.byteLength('{"entries":[]}');
  for (const entry of entries) {
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (envelope + size > maxBytes) throw new Error(`An entry (${entry.createdAt ?? "no createdAt"}) alone is ${size} bytes, more than a batch's ${maxBytes}.`);
    if (batch.length === maxEntries || envelope + bytes + size > maxBytes) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/**
 * The Idempotency-Key of a batch: derived from the story and exactly what the batch sends, so
 * that running the same import again (after a crash, a lost answer, a Ctrl-C) replays the batches the
 * server already took instead of adding their entries twice.
 */
export function batchKey(storyId: string, index: number, batch: BatchEntry[]): string {
  return `import-${createHash("sha256").update(`${storyId}\n${index}\n`).update(JSON.stringify(batch)).digest("hex").slice(0, 40)}`;
}
