import type { Draft } from "../../../shared/accounts.js";
import type { DraftClosure } from "../../../shared/desk-protocol.js";

/**
 * The desk's drafts as the server pushes them (shared/desk-protocol.ts), kept right whatever order
 * the pieces arrive in: pushes and a follow's list may cross, and two changes to one draft made
 * through different requests (or nodes) may arrive swapped. So an older revision never replaces a
 * newer one, a closed draft never comes back, and a list replaces only what it could have seen.
 * Pure: no socket, no Svelte.
 */
export interface DraftsState {
  /** Open drafts, each with the number of the message that last set it. */
  readonly open: ReadonlyMap<string, { draft: Draft; seq: number }>;
  /** Drafts this desk showed that were published or discarded, kept with their text until dismissed. */
  readonly closed: ReadonlyMap<string, { draft: Draft; closure: DraftClosure }>;
  /** Ids known to be closed, shown or not: a late change to one of them is dropped. */
  readonly gone: ReadonlySet<string>;
  /** How many messages have been applied; a list asked for at `seq` knows nothing later. */
  readonly seq: number;
}

/** One row of the queue: an open draft, or a closed one with what became of it. */
export interface DraftRow {
  draft: Draft;
  closure?: DraftClosure;
}

export const noDrafts: DraftsState = { open: new Map(), closed: new Map(), gone: new Set(), seq: 0 };

/** A draft was written or edited. */
export function draftChanged(state: DraftsState, draft: Draft): DraftsState {
  const seq = state.seq + 1;
  const held = state.open.get(draft.id);
  if (state.gone.has(draft.id) || (held && held.draft.revision >= draft.revision)) return { ...state, seq };
  return { ...state, open: new Map(state.open).set(draft.id, { draft, seq }), seq };
}

/** A draft was published or discarded: if this desk showed it, it stays as a notice in its place. */
export function draftClosed(state: DraftsState, closure: DraftClosure): DraftsState {
  const held = state.open.get(closure.id);
  const open = new Map(state.open);
  open.delete(closure.id);
  const closed = held ? new Map(state.closed).set(closure.id, { draft: held.draft, closure }) : state.closed;
  return { open, closed, gone: new Set(state.gone).add(closure.id), seq: state.seq + 1 };
}

/**
 * The drafts open when the server read them, for a request sent at `since`, with what became of
 * the ones the request named that had closed. A draft held from before `since` that the list no
 * longer has was closed while this desk was not listening; how, if `closed` says.
 */
export function draftsListed(state: DraftsState, drafts: readonly Draft[], closed: readonly DraftClosure[], since: number): DraftsState {
  let next = state;
  for (const closure of closed) if (!next.gone.has(closure.id)) next = draftClosed(next, closure);
  const listed = new Set(drafts.map((d) => d.id));
  const open = new Map(next.open);
  for (const [id, held] of next.open) if (held.seq <= since && !listed.has(id)) open.delete(id);
  next = { ...next, open };
  for (const draft of drafts) next = draftChanged(next, draft);
  return next;
}

/**
 * The notice of a closed draft was read, or this desk closed the draft itself (its own answer may
 * come before or after the push): either way nothing more is shown of it.
 */
export function dismissDraft(state: DraftsState, id: string): DraftsState {
  const open = new Map(state.open);
  const closed = new Map(state.closed);
  open.delete(id);
  closed.delete(id);
  return { ...state, open, closed, gone: new Set(state.gone).add(id) };
}

/** The queue, newest first, closed drafts where they stood. */
export function draftRows(state: DraftsState): DraftRow[] {
  const rows: DraftRow[] = [...[...state.open.values()].map(({ draft }) => ({ draft })), ...state.closed.values()];
  return rows.sort((a, b) => b.draft.createdAt.localeCompare(a.draft.createdAt) || a.draft.id.localeCompare(b.draft.id));
}
