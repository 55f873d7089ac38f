import { createContext } from "svelte";
import type { PresenceMessage } from "../../../shared/desk-protocol.js";
import { othersEditing, othersOnStory, type PresenceWords, type PresentEditor } from "../../../shared/presence.js";
import { m } from "../../lib/i18n.js";
import { deskList, t } from "../desk-language.svelte.js";

const DESK_WORDS: PresenceWords = {
  list: deskList,
  editing: (name, labels) => t(m.desk_presence_editing, { name, labels }),
  also: (names) => t(m.desk_presence_also, { names }),
};
import type { DeskSocket } from "../desk-socket.js";

/**
 * Who else has this story open on a desk, and which entry each edits (issue 19), as the desk's
 * channel tells it (`presence`). This desk says which entry's edit form it has open; after a
 * reconnect it says so again, since the server forgot it with the old socket. Editors and admins
 * only: a contributor's desk never makes one.
 */
export class StoryPresence {
  editors = $state.raw<PresentEditor[]>([]);
  /** The edit forms open on this desk, the latest last: the server hears of the latest. */
  #open: string[] = [];
  #socket: DeskSocket | undefined;

  constructor(
    readonly storyId: string,
    /** This desk's account, left out of "Also on this story". */
    readonly selfId: string,
  ) {}

  /** Listens on the desk's channel (before it follows the story). */
  attach(socket: DeskSocket): void {
    this.#socket = socket;
    socket.on("presence", (message: PresenceMessage) => {
      if (message.storyId === this.storyId) this.editors = message.editors;
    });
    socket.on("disconnect", () => (this.editors = []));
  }

  /** The story was followed (again): the list as it is, and this desk's edit form said again. */
  followed(editors: PresentEditor[] | undefined): void {
    if (editors) this.editors = editors;
    if (this.#open.length > 0) this.#say();
  }

  /** "Also on this story: Olena and Taras (editing “Air force tally”).", or empty. */
  others(labelOf: (entryId: string) => string | undefined): string {
    return othersOnStory(this.editors, this.selfId, labelOf, DESK_WORDS);
  }

  /** Who else has this entry's edit form open. */
  editing(entryId: string): string[] {
    return othersEditing(this.editors, this.selfId, entryId);
  }

  opened(entryId: string): void {
    this.#open = [...this.#open.filter((id) => id !== entryId), entryId];
    this.#say();
  }

  closed(entryId: string): void {
    this.#open = this.#open.filter((id) => id !== entryId);
    this.#say();
  }

  #say(): void {
    if (this.#socket?.connected) this.#socket.emit("editing", { storyId: this.storyId, entryId: this.#open.at(-1) ?? null });
  }
}

/** The open story's presence, for its entries' edit buttons; undefined on a contributor's desk. */
export const [getPresence, setPresence] = createContext<StoryPresence | undefined>();
