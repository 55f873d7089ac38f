import { nameFold } from "./display-names.js";

/**
 * Who has a story open on the desk (issue 19): editors and admins see each other ("Olena, Taras on
 * this story"; "Olena is editing “Air force tally”"). Pure: the server merges what each socket
 * and each node says; the desk words it.
 */

/** One account on a story, merged over its sockets and nodes. */
export interface PresentEditor {
  /** The account (or token) id: two tabs of one account are one editor. */
  id: string;
  /** The account's display name. */
  name: string;
  /** Its login name (absent for the admin token): shown beside a name that does not read as it. */
  login?: string;
  /** Entries whose edit form this account has open, sorted. */
  editing: string[];
}

/** What one desk socket says about itself, per story it follows. */
export interface SocketPresence {
  id: string;
  name: string;
  login?: string;
  /** Story id → the entry being edited there, or null. */
  stories: ReadonlyMap<string, string | null>;
}

/** A node's report: per story, the editors with it open on that node. */
export type NodePresence = Record<string, PresentEditor[]>;

/** Merges sockets (this node's) into per-story editor lists. */
export function presenceOfSockets(sockets: Iterable<SocketPresence>): NodePresence {
  const byStory = new Map<string, Map<string, PresentEditor>>();
  for (const socket of sockets) {
    for (const [storyId, editing] of socket.stories) {
      const editors = byStory.get(storyId) ?? new Map<string, PresentEditor>();
      byStory.set(storyId, editors);
      const editor = editors.get(socket.id) ?? { id: socket.id, name: socket.name, ...(socket.login ? { login: socket.login } : {}), editing: [] };
      if (editing !== null && !editor.editing.includes(editing)) editor.editing.push(editing);
      editors.set(socket.id, editor);
    }
  }
  return Object.fromEntries([...byStory].map(([storyId, editors]) => [storyId, sortEditors([...editors.values()])]));
}

/** One story's editors over every node's report (this node's included). */
export function presenceOnStory(reports: Iterable<NodePresence>, storyId: string): PresentEditor[] {
  const editors = new Map<string, PresentEditor>();
  for (const report of reports) {
    for (const editor of report[storyId] ?? []) {
      const known = editors.get(editor.id);
      editors.set(editor.id, known ? { ...known, editing: [...new Set([...known.editing, ...editor.editing])] } : { ...editor, editing: [...editor.editing] });
    }
  }
  return sortEditors([...editors.values()]);
}

/** Stable order (by name, then id), each editor's entries sorted: equal states compare equal. */
function sortEditors(editors: PresentEditor[]): PresentEditor[] {
  for (const editor of editors) editor.editing.sort();
  return editors.sort((a, b) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export const samePresence = (a: readonly PresentEditor[], b: readonly PresentEditor[]) =>
  a.length === b.length && a.every((x, i) => x.id === b[i]!.id && x.name === b[i]!.name && x.login === b[i]!.login && x.editing.join() === b[i]!.editing.join());

/**
 * A name as the desk shows it where it matters (presence, draft review): with the login beside it,
 * "Olena K. (@olena)", unless the name already reads as the login (display names are unique after
 * folding, logins are unique: together they tell any two accounts apart).
 */
export function nameWithLogin(name: string, login: string | undefined): string {
  return login && nameFold(login) !== nameFold(name) ? `${name} (@${login})` : name;
}

/** "Olena", "Olena and Taras", "Olena, Taras and Ivan": a list as a sentence says it. */
export function namesInWords(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** The words of the presence line, in one language (the desk's own: client/editor/story/presence.svelte.ts). */
export interface PresenceWords {
  /** "Olena and Taras". */
  list(items: string[]): string;
  /** "Olena (editing “Air force tally”)". */
  editing(name: string, labels: string): string;
  /** "Also on this story: Olena and Taras.". */
  also(names: string): string;
}

const ENGLISH: PresenceWords = {
  list: namesInWords,
  editing: (name, labels) => `${name} (editing ${labels})`,
  also: (names) => `Also on this story: ${names}.`,
};

/**
 * The others on the story, as the desk's header says it: "Also on this story: Olena and Taras
 * (editing “Air force tally”)." Empty when this desk's account is alone. `labelOf` names an entry
 * (its headline or first words); an entry it cannot name (just removed) is left out.
 */
export function othersOnStory(
  editors: readonly PresentEditor[],
  selfId: string,
  labelOf: (entryId: string) => string | undefined = () => undefined,
  words: PresenceWords = ENGLISH,
): string {
  const others = editors.filter((e) => e.id !== selfId).map((e) => {
    const labels = e.editing.map(labelOf).filter((label): label is string => label !== undefined);
    const name = nameWithLogin(e.name, e.login);
    return labels.length > 0 ? words.editing(name, words.list(labels.map((l) => `“${l}”`))) : name;
  });
  return others.length === 0 ? "" : words.also(words.list(others));
}

/** Who else has this entry's edit form open. */
export function othersEditing(editors: readonly PresentEditor[], selfId: string, entryId: string): string[] {
  return editors.filter((e) => e.id !== selfId && e.editing.includes(entryId)).map((e) => nameWithLogin(e.name, e.login));
}
