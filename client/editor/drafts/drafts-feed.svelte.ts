import { m } from "../../lib/i18n.js";
import { t } from "../desk-language.svelte.js";
import { onMount } from "svelte";
import type { Draft } from "../../../shared/accounts.js";
import type { DraftClosure } from "../../../shared/desk-protocol.js";
import type { EditorApi } from "../api.js";
import { connectDesk, deskRefusalOf, type DeskSocket } from "../desk-socket.js";
import type { QuestionsFeed } from "../questions/questions-feed.svelte.js";
import type { StoryPresence } from "../story/presence.svelte.js";
import type { StoryAlerts } from "../story/story-alerts.svelte.js";
import { dismissDraft, draftChanged, draftClosed, draftRows, draftsListed, noDrafts, type DraftRow } from "./drafts-state.js";

export interface DraftsFeedOptions {
  storyId: string;
  api: EditorApi;
  /** A draft this desk showed was published or discarded by someone else. */
  onclosed: (draft: Draft, closure: DraftClosure) => void;
  /** Who else is on the story travels on the same channel (editors' desks only). */
  presence?: StoryPresence | undefined;
  /** So do the outcomes of breaking-news alerts (editors' desks only). */
  alerts?: StoryAlerts | undefined;
  /** Readers' questions travel on the same channel. */
  questions?: QuestionsFeed | undefined;
}

/**
 * A story's drafts on the desk, pushed over the desk's live channel the moment they change
 * (no polling). Every (re)connection follows the story again and gets the list as it is, with what
 * became of the drafts shown before, so nothing is missed while the connection was down. Create it
 * while a component initialises.
 */
export class DraftsFeed {
  #state = $state.raw(noDrafts);
  /** The first list has arrived (or failed). */
  loaded = $state(false);
  /** The channel is connected: changes arrive as they happen. */
  live = $state(false);
  error = $state<unknown>();
  #socket: DeskSocket | undefined;
  readonly #options: DraftsFeedOptions;

  constructor(options: DraftsFeedOptions) {
    this.#options = options;
    onMount(() => {
      const socket = (this.#socket = connectDesk());
      options.presence?.attach(socket);
      options.alerts?.attach(socket);
      options.questions?.attach(socket);
      socket.on("connect", () => {
        this.live = true;
        this.refresh();
      });
      socket.on("disconnect", (reason) => {
        this.live = false;
        // The server ended it (signed out or demoted elsewhere): connect once more to hear why.
        if (reason === "io server disconnect") socket.connect();
      });
      socket.on("connect_error", (error) => {
        const refusal = deskRefusalOf(error);
        if (refusal) this.error = new Error(t(m.desk_drafts_not_updating, { reason: refusal.message }));
        // No channel yet (a proxy without WebSockets, say): show the queue over HTTP meanwhile.
        else if (!this.loaded) this.refresh();
      });
      socket.on("draft:changed", ({ storyId, draft }) => {
        if (storyId === options.storyId) this.#state = draftChanged(this.#state, draft);
      });
      socket.on("draft:closed", ({ storyId, ...closure }) => {
        if (storyId !== options.storyId) return;
        const shown = this.#state.open.get(closure.id)?.draft;
        this.#state = draftClosed(this.#state, closure);
        this.#closedNow(shown, closure);
      });
      return () => socket.disconnect();
    });
  }

  /** The queue, newest first; closed drafts stay in place as notices until dismissed. */
  get rows(): DraftRow[] {
    return draftRows(this.#state);
  }

  /** How many drafts are waiting. */
  get waiting(): number {
    return this.#state.open.size;
  }

  /** Asks for the list again: over the channel when connected, else over HTTP. */
  refresh = (): void => {
    const { storyId, api } = this.#options;
    const since = this.#state.seq;
    const known = [...this.#state.open.keys()];
    if (!this.#socket?.connected) {
      void api.listDrafts(storyId).then(
        (drafts) => this.#listed(drafts, [], since),
        (caught: unknown) => ((this.error = caught), (this.loaded = true)),
      );
      return;
    }
    this.#socket.emit("follow", { storyId, known }, (ack) => {
      if (!ack.ok) {
        this.error = new Error(ack.error.message);
        this.loaded = true;
        return;
      }
      const shown = new Map(known.map((id) => [id, this.#state.open.get(id)?.draft]));
      this.#listed(ack.drafts, ack.closed, since);
      this.#options.presence?.followed(ack.presence);
      for (const closure of ack.closed) this.#closedNow(shown.get(closure.id), closure);
    });
  };

  dismiss = (id: string): void => {
    this.#state = dismissDraft(this.#state, id);
  };

  #listed(drafts: Draft[], closed: DraftClosure[], since: number): void {
    this.#state = draftsListed(this.#state, drafts, closed, since);
    this.error = undefined;
    this.loaded = true;
  }

  #closedNow(shown: Draft | undefined, closure: DraftClosure): void {
    if (shown) this.#options.onclosed(shown, closure);
  }
}
