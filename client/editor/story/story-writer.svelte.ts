import { m } from "../../lib/i18n.js";
import { deskLanguage, t } from "../desk-language.svelte.js";
import type { HistoryItem } from "../../../shared/api.js";
import type { FactFields } from "../../../shared/facts.js";
import type { EntryKind, Snapshot, StoryStatus } from "../../../shared/story.js";
import { ApiFailure, type EditorApi } from "../api.js";
import { describeConflict, ifMatchVersion, mergeEntry, type ConflictReport, type EntryText, type WriteTarget } from "./conflict.js";
import type { LiveView } from "./live-view.svelte.js";
import type { DeskMedia } from "../media/media-list.js";

/** The editor's side of a write, as the conflict panel shows it. */
export interface MyChange {
  headline?: string;
  body?: string;
  kind?: EntryKind;
  pinned?: boolean;
  media?: DeskMedia[];
  removed?: boolean;
  title?: string;
  summary?: string;
  status?: StoryStatus;
  language?: string;
  /** A key figure as the editor would have it (with `removed`: taken down). */
  figure?: FactFields;
}

/** One conditional write to a story, resendable against a newer version. */
export interface DeskWrite {
  /** "your edit of “Sirens again”": what the conflict panel calls it. */
  what: string;
  target: WriteTarget;
  /** The story as the editor saw it when making the change. */
  base: Snapshot;
  mine: MyChange;
  /** Sends the write with `If-Match: "<ifMatch>"`; the same Idempotency-Key on every resend. */
  send(ifMatch: number): Promise<{ version: number }>;
  /** After the server took it (first try or re-applied), with the story version it made. */
  onDone?(result: { version: number }): void;
  /** After the editor discarded it in the conflict panel. */
  onDiscard?(): void;
  /**
   * For an entry edit whose form is still open: start again from the latest version, with `text`
   * in the editor ("edit": theirs, to change by hand; "save": both changes merged, saved at once).
   */
  rebase?(latest: Snapshot, text: EntryText, then: "edit" | "save"): void;
}

export interface Conflict {
  id: number;
  write: DeskWrite;
  latest: Snapshot;
  report: ConflictReport;
  /** The versions saved since the write's base, newest first: who changed the story, and when. */
  since: HistoryItem[];
  /** For an entry edit: both changes together, when they do not overlap. */
  merged: EntryText | undefined;
  busy: boolean;
  error: unknown;
}

export type WriteOutcome = "done" | "conflict";

/** How long a write waits for the live view to show the desk's own previous write. */
const CATCH_UP_MS = 3000;
/** How many of the versions since a conflicting write's base the panel names. */
const MAX_NAMED = 20;

/** The editor's change as a whole entry: what they wrote, over what they started from. */
export function mineAsText(mine: MyChange, before: EntryText | undefined): EntryText {
  return {
    headline: mine.headline ?? before?.headline ?? "",
    body: mine.body ?? before?.body ?? "",
    kind: mine.kind ?? before?.kind ?? "update",
    pinned: mine.pinned ?? before?.pinned ?? false,
    media: mine.media ?? before?.media ?? [],
  };
}

/**
 * Sends the desk's writes to one story with If-Match, and turns a 412 into a conflict the editor
 * resolves: re-apply against the new version, or discard. Nothing is ever overwritten silently.
 */
export class StoryWriter {
  conflicts = $state.raw<Conflict[]>([]);
  #nextId = 1;
  #lastWritten = 0;

  readonly #api: EditorApi;
  readonly #live: LiveView;

  constructor(api: EditorApi, live: LiveView) {
    this.#api = api;
    this.#live = live;
  }

  /** "done", "conflict" (now in `conflicts`), or throws the API's error. */
  async run(write: DeskWrite): Promise<WriteOutcome> {
    // The desk's own last write must be in the live view first, or the next one would look stale.
    if (this.#lastWritten) await this.#live.reach(this.#lastWritten, CATCH_UP_MS);
    const ifMatch = ifMatchVersion(write.target, write.base, this.#live.snapshot);
    try {
      const result = await write.send(ifMatch);
      this.#lastWritten = Math.max(this.#lastWritten, result.version);
      write.onDone?.(result);
      return "done";
    } catch (error) {
      if (!(error instanceof ApiFailure && error.code === "precondition_failed")) throw error;
      let latest: Snapshot;
      try {
        latest = await this.#api.getStory(write.base.id);
      } catch {
        // The write was refused (412), so it certainly did not go out: say that, not "may or may not".
        throw new Error(t(m.desk_changed_unloadable));
      }
      const report = describeConflict(write.target, write.base, latest, deskLanguage.current);
      const conflict: Conflict = {
        id: this.#nextId++,
        write,
        latest,
        report,
        since: await this.#since(write.base, latest),
        merged: report.entry?.before && report.entry.now ? mergeEntry(report.entry.before, mineAsText(write.mine, report.entry.before), report.entry.now) : undefined,
        busy: false,
        error: undefined,
      };
      this.conflicts = [...this.conflicts, conflict];
      return "conflict";
    }
  }

  /** Resolves once the desk's live view shows `version` (or after a short wait): its own write is on screen. */
  shown(version: number): Promise<boolean> {
    return this.#live.reach(version, CATCH_UP_MS);
  }

  /** Who saved the versions between `base` and `latest`; the history is a courtesy, so a failure shows none. */
  async #since(base: Snapshot, latest: Snapshot): Promise<HistoryItem[]> {
    try {
      const versions = await this.#api.history(base.id, Math.min(latest.version - base.version, MAX_NAMED));
      return versions.filter((item) => item.version > base.version);
    } catch {
      return [];
    }
  }

  /** The entry edit starts again from the latest version, with `text` (theirs, or both merged) in its form. */
  rebase(id: number, then: "edit" | "save"): void {
    const conflict = this.conflicts.find((c) => c.id === id);
    const text = then === "save" ? conflict?.merged : conflict?.report.entry?.now;
    if (!conflict?.write.rebase || !text) return;
    this.conflicts = this.conflicts.filter((c) => c.id !== id);
    conflict.write.rebase(conflict.latest, text, then);
  }

  /** Sends the same change again, based on the version the conflict panel showed: overwrites theirs. */
  async reapply(id: number): Promise<void> {
    const conflict = this.conflicts.find((c) => c.id === id);
    if (!conflict || conflict.busy) return;
    this.#update(id, { busy: true, error: undefined });
    try {
      await this.run({ ...conflict.write, base: conflict.latest });
      this.conflicts = this.conflicts.filter((c) => c.id !== id);
    } catch (error) {
      this.#update(id, { busy: false, error });
    }
  }

  discard(id: number): void {
    const conflict = this.conflicts.find((c) => c.id === id);
    if (!conflict) return;
    this.conflicts = this.conflicts.filter((c) => c.id !== id);
    conflict.write.onDiscard?.();
  }

  #update(id: number, patch: Partial<Conflict>): void {
    this.conflicts = this.conflicts.map((c) => (c.id === id ? { ...c, ...patch } : c));
  }
}
