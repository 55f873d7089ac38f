import { MEDIA_FORMATS, MEDIA_WIDTHS } from "../shared/media-constants.js";
import { applyPatch, diffSnapshots, type PatchOp } from "../shared/patch.js";
import { STORY_EXPORT_FORMAT, STORY_EXPORT_FORMAT_VERSION, StoryExport, type ExportedPhoto, type ExportedVersion } from "../shared/story-export.js";
import { operationBetween } from "../shared/story-replay.js";
import { Snapshot } from "../shared/story.js";
import type { HistoryItem } from "../shared/api.js";
import type { StampedOperation } from "../shared/operations.js";
import type { Store } from "./store/store.js";

/**
 * One story, with its whole history and its photos, out of one installation and into another
 * (SQLite or PostgreSQL on either side): the file format is shared/story-export.ts.
 */

/** A story that cannot be moved; the message says why. */
export class TransferError extends Error {}

/** What an export or import moved. */
export interface TransferSummary {
  storyId: string;
  versions: number;
  photos: number;
}

const HISTORY_PAGE = 100;

export async function exportStory(store: Store, storyId: string): Promise<StoryExport> {
  const latest = await store.latest(storyId);
  if (!latest) throw new TransferError(`No story "${storyId}" here.`);
  // When and by whom each version was written, from the history, newest first, page by page.
  const stamps = new Map<number, Pick<HistoryItem, "at" | "author" | "summary">>();
  for (let before: number | undefined = latest.version + 1; before !== undefined && before > 1; ) {
    const page: HistoryItem[] = (await store.history(storyId, { before, limit: HISTORY_PAGE })) ?? [];
    for (const item of page) stamps.set(item.version, { at: item.at, author: item.author, summary: item.summary });
    before = page.length === HISTORY_PAGE ? page.at(-1)!.version : undefined;
  }
  const versions: ExportedVersion[] = [];
  const imageIds = new Set<string>();
  let previous: Snapshot | undefined;
  // Versions of the latest one only, never a later one committed while this runs.
  for (let version = 1; version <= latest.version; version++) {
    const snapshot = await store.snapshotAt(storyId, version);
    const stamp = stamps.get(version);
    if (!snapshot || !stamp) throw new TransferError(`Version ${version} of "${storyId}" cannot be read.`);
    const ops: PatchOp[] = previous ? diffSnapshots(previous, snapshot) : [{ op: "add", path: "", value: snapshot }];
    versions.push({ version, at: stamp.at, author: stamp.author, summary: stamp.summary, ops: ops as ExportedVersion["ops"] });
    for (const entry of Object.values(snapshot.entries)) for (const item of entry.media ?? []) if (item.type === "image") imageIds.add(item.id);
    previous = snapshot;
  }
  const photos: ExportedPhoto[] = [];
  for (const id of imageIds) {
    const record = await store.media.record(id);
    if (!record) throw new TransferError(`Photo ${id}, shown by "${storyId}", is not in the store.`);
    const variants: ExportedPhoto["variants"] = [];
    for (const name of MEDIA_WIDTHS) {
      for (const format of MEDIA_FORMATS) {
        const bytes = await store.media.variant(id, name, format);
        if (bytes) variants.push({ name, format, bytes: bytes.toString("base64") });
      }
    }
    photos.push({
      id,
      width: record.width,
      height: record.height,
      placeholder: record.placeholder,
      createdAt: record.createdAt,
      ...(record.removedAt ? { removedAt: record.removedAt } : {}),
      variants,
    });
  }
  return { format: STORY_EXPORT_FORMAT, formatVersion: STORY_EXPORT_FORMAT_VERSION, exportedAt: new Date().toISOString(), storyId, versions, photos };
}

/**
 * Writes the exported story into `store`, which must not have a story of its id. Every version is
 * rebuilt and its operation recovered first, in memory: a file that does not hold together (a
 * patch that does not apply, versions out of order, a version this build's reducer would write
 * differently) is refused before anything is written. Then the photos are stored and the
 * operations committed one by one through the store's own rules, so the story's versions,
 * history, feeds' removals and photo marks are what its own writes would have made.
 */
export async function importStory(store: Store, input: unknown): Promise<TransferSummary> {
  const parsed = StoryExport.safeParse(input);
  if (!parsed.success) throw new TransferError(`Not a story export: ${parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}.`);
  const file = parsed.data;
  if (await store.latest(file.storyId)) throw new TransferError(`A story "${file.storyId}" exists here already: nothing was imported.`);

  const operations: StampedOperation[] = [];
  let previous: Snapshot | undefined;
  for (const [index, exported] of file.versions.entries()) {
    if (exported.version !== index + 1) throw new TransferError(`Version ${index + 1} is missing (found ${exported.version}).`);
    let snapshot: Snapshot;
    try {
      const patched = previous ? applyPatch(previous, exported.ops as PatchOp[]) : (applyPatch({} as Snapshot, exported.ops as PatchOp[]) as unknown);
      snapshot = Snapshot.parse(patched);
    } catch (error) {
      throw new TransferError(`Version ${exported.version} does not rebuild: ${(error as Error).message.split("\n")[0]}`);
    }
    if (snapshot.id !== file.storyId || snapshot.version !== exported.version) throw new TransferError(`Version ${exported.version} names another story or version.`);
    try {
      operations.push(operationBetween(previous, snapshot, { at: exported.at, author: exported.author }, exported.summary));
    } catch (error) {
      throw new TransferError((error as Error).message);
    }
    previous = snapshot;
  }

  // Taken-down photos are stored for the replay (older versions showed them), then taken down again.
  for (const photo of file.photos) {
    const variants = photo.variants.map((variant) => ({ name: variant.name, format: variant.format, bytes: Buffer.from(variant.bytes, "base64") }));
    await store.media.putImage({ id: photo.id, width: photo.width, height: photo.height, placeholder: photo.placeholder }, variants, photo.createdAt);
  }
  for (const operation of operations) await store.commit({ storyId: file.storyId, operation });
  for (const photo of file.photos) if (photo.removedAt) await store.media.takeDown(photo.id, photo.removedAt);
  return { storyId: file.storyId, versions: operations.length, photos: file.photos.length };
}
