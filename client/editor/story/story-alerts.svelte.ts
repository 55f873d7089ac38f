import { createContext, onMount } from "svelte";
import type { AlertSentMessage } from "../../../shared/desk-protocol.js";
import { m } from "../../lib/i18n.js";
import type { EditorApi } from "../api.js";
import { deskLocale, t } from "../desk-language.svelte.js";
import type { DeskSocket } from "../desk-socket.js";

/** How often the count is asked for while the tab is visible: readers subscribe one by one. */
const POLL_MS = 30_000;

/**
 * A story's breaking-news alerts as its editors see them (issue 33): how many readers asked for
 * them (`GET …/push-subscriptions`, asked now, every 30 s and after each alert) and what came of the
 * latest alert, told over the desk's channel (`alert:sent`) when the node that sent it finished.
 * Editors and admins only; create it while a component initialises.
 */
export class StoryAlerts {
  /** Readers subscribed; undefined until known, or for good when the server sends no alerts. */
  subscribers = $state<number>();
  /** False when the server sends no alerts (no PUSH_CONTACT): the desk offers none. */
  available = $state(true);
  /** The story's latest alert that finished while this desk was open. */
  last = $state.raw<AlertSentMessage>();

  constructor(
    readonly storyId: string,
    private readonly api: EditorApi,
    /** Says the outcome in the desk's live region. */
    private readonly announce: (message: string) => void,
  ) {
    onMount(() => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ask = async () => {
        if (!document.hidden) await this.load();
        if (this.available) timer = setTimeout(ask, POLL_MS);
      };
      void ask();
      return () => clearTimeout(timer);
    });
  }

  load = async (): Promise<void> => {
    try {
      const count = await this.api.pushSubscribers(this.storyId);
      if (count === undefined) this.available = false;
      else this.subscribers = count;
    } catch {
      // Shown as it was: the next poll asks again, and the header says when the server is silent.
    }
  };

  /** Listens on the desk's channel (before it follows the story). */
  attach(socket: DeskSocket): void {
    socket.on("alert:sent", (message) => {
      if (message.storyId !== this.storyId) return;
      this.last = message;
      this.subscribers = message.subscribers;
      this.announce(this.outcome(message));
    });
  }

  /** "Alert sent to 10 readers. Not delivered: 1. No longer subscribed: 2." */
  outcome({ state, sent, failed, removed }: AlertSentMessage): string {
    const number = (n: number) => n.toLocaleString(deskLocale());
    const parts = [state === "dropped" ? t(m.desk_alert_dropped) : t(m.desk_alert_sent, { count: sent })];
    if (state === "dropped" && sent > 0) parts.push(t(m.desk_alert_sent, { count: sent }));
    if (failed > 0) parts.push(t(m.desk_alert_not_delivered, { failed: number(failed) }));
    if (removed > 0) parts.push(t(m.desk_alert_unsubscribed, { removed: number(removed) }));
    return parts.join(" ");
  }
}

/** The open story's alerts, for the composer and the drafts; undefined on a contributor's desk. */
export const [getAlerts, setAlerts] = createContext<StoryAlerts | undefined>();
