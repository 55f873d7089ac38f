import { ApiFailure } from "../api.js";
import { Pending } from "../tasks.svelte.js";

/**
 * An admin's management request refused for want of a recent sign-in (403
 * reauthentication_required), kept to run again once the password is given.
 */
export class Reauth {
  waiting = $state.raw<(() => Promise<void>) | undefined>();

  /** Keeps `job` and says true if `caught` asks for the password again. */
  held(caught: unknown, job: () => Promise<void>): boolean {
    if (!(caught instanceof ApiFailure && caught.code === "reauthentication_required")) return false;
    this.waiting = job;
    return true;
  }

  /** The kept job, no longer kept here. */
  take(): (() => Promise<void>) | undefined {
    const job = this.waiting;
    this.waiting = undefined;
    return job;
  }
}

/** A secret the server shows once (a one-time password, a token), as OneTimeSecret shows it. */
export interface ShownSecret {
  heading: string;
  secret: string;
  note: string;
}

/**
 * The users and tokens panels' requests: one at a time, the list reloaded after each, a refusal
 * for want of a recent sign-in held until the password is given again, and the secret to show once.
 */
export class ManagementTask extends Pending {
  readonly reauth = new Reauth();
  secret = $state<ShownSecret>();
  readonly #reload: () => Promise<void>;
  readonly #starting: () => void;

  /** `starting` runs as each request (retries included) starts, to clear what the panel shows besides. */
  constructor(reload: () => Promise<void>, starting: () => void = () => {}) {
    super();
    this.#reload = reload;
    this.#starting = starting;
  }

  manage(job: () => Promise<void>, onError = (caught: unknown) => (this.error = caught)): Promise<void> {
    if (!this.busy) this.#starting();
    return this.run(job, { onError: (caught) => this.reauth.held(caught, job) || onError(caught), after: this.#reload });
  }
}
