import type { Entry, Snapshot } from "../../shared/story.js";

/** What a reader had seen of a story when they last had it open: kept in localStorage, never a cookie. */
export interface LastVisit {
  version: number;
  updatedAt: string;
}

const keyOf = (storyId: string) => `live-ticker:last-visit:${storyId}`;

export function readLastVisit(storage: Storage, storyId: string): LastVisit | undefined {
  try {
    const value = JSON.parse(storage.getItem(keyOf(storyId)) ?? "null") as Partial<LastVisit> | null;
    return typeof value?.version === "number" && typeof value.updatedAt === "string" ? (value as LastVisit) : undefined;
  } catch {
    return undefined; // storage disabled or a value we did not write
  }
}

export function writeLastVisit(storage: Storage, snapshot: Snapshot): void {
  try {
    storage.setItem(keyOf(snapshot.id), JSON.stringify({ version: snapshot.version, updatedAt: snapshot.updatedAt } satisfies LastVisit));
  } catch {
    // Private mode or a full quota: the page works, it just cannot remember.
  }
}

/** Entries added, or edited, after the last visit. Pure, so it is tested without a browser. */
export function changesSince(visit: LastVisit | undefined, snapshot: Snapshot): Record<string, "new" | "updated"> {
  const marks: Record<string, "new" | "updated"> = {};
  if (!visit || visit.version >= snapshot.version) return marks;
  for (const entry of Object.values(snapshot.entries) as Entry[]) {
    if (entry.createdAt > visit.updatedAt) marks[entry.id] = "new";
    else if (entry.updatedAt > visit.updatedAt) marks[entry.id] = "updated";
  }
  return marks;
}
