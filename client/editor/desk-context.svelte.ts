import { createContext } from "svelte";
import type { EditorApi, Role, SessionUser } from "./api.js";

/** What every part of the desk shares: the API client, the signed-in user, the status line. */
export interface DeskContext {
  readonly api: EditorApi;
  readonly user: SessionUser;
  /** Says `message` in the page's `role="status"` region. */
  announce(message: string): void;
  /** The last request got no answer in time, and none has been answered since: the server is stalled or unreachable. */
  readonly serverSilent: boolean;
}

export const [getDesk, setDesk] = createContext<DeskContext>();

/** Editors and admins write stories and entries; contributors only draft. */
export const canPublish = (role: Role) => role === "editor" || role === "admin";

/** A polite status region: the same message twice is announced twice; it clears itself after a while. */
export class Announcer {
  message = $state("");
  #timer: ReturnType<typeof setTimeout> | undefined;

  readonly showMs: number;

  constructor(showMs = 6000) {
    this.showMs = showMs;
  }

  say(message: string): void {
    clearTimeout(this.#timer);
    this.message = "";
    this.#timer = setTimeout(() => {
      this.message = message;
      this.#timer = setTimeout(() => (this.message = ""), this.showMs);
    }, 50);
  }
}
