import { factTimelines, type FactTimeline } from "../../shared/fact-timeline.js";
import type { Snapshot } from "../../shared/story.js";
import type { Store } from "../store/store.js";

/**
 * How many figure-changing versions a history page replays. A figure changes when the news does
 * (the demo story's figures change 6 times), so this is far beyond a real story; past it the
 * timelines start at the oldest of these versions, on the figures as they were just before it.
 */
const MAX_FACT_VERSIONS = 1000;

/**
 * Each key figure's timeline as of `story` (the version the page is rendered at): figures in the
 * box's order, then removed ones. Costs one query that the database answers from the story's
 * version rows by their patch text, a parse of only the versions that touched figures, and (past
 * MAX_FACT_VERSIONS) one snapshot rebuilt from its checkpoint.
 */
export async function figureTimelines(store: Store, story: Snapshot): Promise<FactTimeline[]> {
  const versions = ((await store.factVersions(story.id, MAX_FACT_VERSIONS)) ?? []).filter((v) => v.version <= story.version);
  if (versions.length === 0) return [];
  const truncated = versions.length >= MAX_FACT_VERSIONS && versions[0]!.version > 1;
  const base = truncated ? (await store.snapshotAt(story.id, versions[0]!.version - 1))?.facts : undefined;
  const position = (id: string) => story.facts?.[id]?.order ?? Number.MAX_SAFE_INTEGER;
  return factTimelines(base, versions).sort((a, b) => position(a.id) - position(b.id));
}
