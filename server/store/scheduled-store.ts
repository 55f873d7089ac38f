import type { ScheduledEntry } from "../../shared/schedule.js";

export type { ScheduledEntry } from "../../shared/schedule.js";

/** The scheduled entry was published (`published` says as which version), or never existed / was cancelled. */
export class ScheduledGone extends Error {
  constructor(readonly item?: ScheduledEntry) {
    super(item?.published ? `It was published at version ${item.published.version}.` : "No such scheduled entry.");
  }
}

/** The scheduled entry is no longer at the revision the writer saw. */
export class ScheduledChanged extends Error {
  constructor(readonly currentRevision: number) {
    super(`The scheduled entry has changed: it is now at revision ${currentRevision}.`);
  }
}

/** A change to a waiting entry: a new time and/or text, applied only at `expectedRevision` (when given). */
export interface ScheduledEdit {
  changes: Partial<Pick<ScheduledEntry, "publishAt" | "body" | "headline" | "kind" | "pinned" | "media">>;
  at: string;
  expectedRevision?: number;
}

/** How a row's state follows from its item: one rule for both stores' `state` column. */
export const stateOf = (item: ScheduledEntry): "pending" | "published" | "failed" =>
  item.published ? "published" : item.failed ? "failed" : "pending";
