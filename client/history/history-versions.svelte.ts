import { SvelteMap } from "svelte/reactivity";
import type { HistoryItem } from "../../shared/api.js";
import type { Snapshot } from "../../shared/story.js";
import { isolate, m, type Locale } from "../lib/i18n.js";
import { ApiFailure, requestJson } from "../lib/request.js";
import { changesBetween, type Change } from "./version-changes.js";

export type Panel = { open: boolean } & (
  | { status: "loading" }
  | { status: "error"; message: string }
  | { status: "ready"; changes: Change[]; after: Snapshot }
);

/** A load failure as the reader should read it, in the page's interface language: what could not be loaded, and why. */
function loadFailure(error: unknown, what: string, ui: Locale): Error {
  if (!(error instanceof ApiFailure)) return error instanceof Error ? error : new Error(String(error));
  if (error.outcomeUnknown) return new Error(m.load_unreachable({ what }, { locale: ui }));
  if (error.code === "unreadable_answer") return new Error(m.load_unreadable({ what }, { locale: ui }));
  // The server's own message is English, whatever the page's language: set apart from the sentence around it.
  const status = `HTTP ${error.status}${error.message ? `: ${isolate(error.message)}` : ""}`;
  return new Error(m.load_failed({ what, status }, { locale: ui }));
}

async function getJson<T>(url: string, what: string, ui: Locale): Promise<T> {
  try {
    return await requestJson<T>(url);
  } catch (error) {
    throw loadFailure(error, what, ui);
  }
}

/**
 * A page of a story's history as the reader opens it: the server-rendered versions (older pages are
 * pages of their own, `?before=`), and each version's changes, computed from its snapshot and the
 * one before. Snapshots are shared by neighbouring versions; a failed fetch is forgotten so it can
 * be retried.
 */
export class HistoryVersions {
  /** Expanded (or once expanded) versions; none on the server, so both first renders match. */
  readonly panels = new SvelteMap<number, Panel>();
  readonly #snapshots = new Map<number, Promise<Snapshot>>();

  /** `story`: the story's head (no entries); `first`: the newest versions, as the page was rendered with them; `ui`: the page's catalog. */
  constructor(
    readonly story: () => Omit<Snapshot, "entries">,
    readonly first: () => HistoryItem[],
    readonly ui: Locale,
  ) {}

  /** The page's versions, newest first. */
  get all(): HistoryItem[] {
    return this.first();
  }

  #url(): string {
    return `/api/stories/${encodeURIComponent(this.story().id)}`;
  }

  /** Every version by its immutable URL, the latest too: the page carries the story's head, not its entries. */
  #snapshotAt(version: number): Promise<Snapshot> {
    let pending = this.#snapshots.get(version);
    if (!pending) {
      const request = getJson<Snapshot>(`${this.#url()}?version=${version}`, m.load_what_version({ version }, { locale: this.ui }), this.ui);
      request.catch(() => {
        if (this.#snapshots.get(version) === request) this.#snapshots.delete(version);
      });
      this.#snapshots.set(version, request);
      pending = request;
    }
    return pending;
  }

  /** Loads (or reloads) the changes of `version` into its open panel. */
  async load(version: number): Promise<void> {
    this.panels.set(version, { open: true, status: "loading" });
    let next: Panel;
    try {
      const [after, before] = await Promise.all([this.#snapshotAt(version), version > 1 ? this.#snapshotAt(version - 1) : undefined]);
      next = { open: true, status: "ready", changes: changesBetween(before, after), after };
    } catch (error) {
      next = { open: true, status: "error", message: error instanceof Error ? error.message : String(error) };
    }
    next.open = this.panels.get(version)?.open ?? true; // the reader may have closed it meanwhile
    this.panels.set(version, next);
  }

  toggle(version: number): void {
    const panel = this.panels.get(version);
    if (!panel || (!panel.open && panel.status === "error")) void this.load(version);
    else this.panels.set(version, { ...panel, open: !panel.open });
  }
}
