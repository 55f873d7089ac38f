import type { ErrorBody } from "../../../shared/api.js";
import type { Snapshot } from "../../../shared/story.js";
import { watchConnection, type ConnectionStatus } from "../../lib/connection.js";
import { connectLive, followStory, type LiveSocket } from "../../lib/live-client.js";

// One connection for the whole desk; stories are followed and unfollowed on it.
let shared: LiveSocket | undefined;
const desksocket = () => (shared ??= connectLive(location.origin));

/**
 * The desk's own view of a story, followed over Socket.IO exactly like a reader's: it shows only
 * states the server has, so a write appears when the server has it (never optimistically).
 */
export class LiveView {
  snapshot = $state.raw<Snapshot | undefined>(undefined);
  status = $state<ConnectionStatus>("connecting");
  error = $state.raw<ErrorBody | undefined>(undefined);
  #waiters = new Set<{ version: number; resolve: (reached: boolean) => void }>();

  constructor(readonly storyId: string) {}

  /** Starts following; returns the stop function (for onMount / $effect). */
  start(): () => void {
    const socket = desksocket();
    const follow = followStory(socket, this.storyId, {
      onChange: (next) => {
        this.snapshot = next;
        this.error = undefined;
        for (const waiter of this.#waiters) if (next.version >= waiter.version) waiter.resolve(true);
      },
      onError: (error) => (this.error = error),
    });
    const unwatch = watchConnection(socket, (status) => (this.status = status));
    return () => {
      follow.stop();
      unwatch();
      for (const waiter of this.#waiters) waiter.resolve(false);
    };
  }

  /** Resolves once the view shows `version` or later (true), or after `ms` (false). */
  reach(version: number, ms: number): Promise<boolean> {
    if ((this.snapshot?.version ?? 0) >= version) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        version,
        resolve: (reached: boolean) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), ms);
      this.#waiters.add(waiter);
    });
  }
}
