import { ApiFailure } from "./api.js";

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
