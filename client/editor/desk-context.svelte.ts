import { m } from "../lib/i18n.js";
import { t } from "./desk-language.svelte.js";
import { createContext } from "svelte";
import type { EntryKind } from "../../shared/story.js";
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

const ROLE_NAMES = { admin: m.desk_role_admin, editor: m.desk_role_editor, contributor: m.desk_role_contributor };
/** A role as the desk names it, in its language. */
export const roleName = (role: Role): string => t(ROLE_NAMES[role]);

const KIND_NAMES = { update: m.desk_kind_update, breaking: m.desk_kind_breaking, correction: m.desk_kind_correction };
/** An entry's kind as the desk names it, in its language. */
export const kindName = (kind: EntryKind): string => t(KIND_NAMES[kind]);

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
