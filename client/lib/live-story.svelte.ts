import { onMount } from "svelte";
import type { Snapshot } from "../../shared/story.js";
import { watchConnection, type ConnectionStatus } from "./connection.js";
import { connectLive, followStory } from "./live-client.js";

/**
 * A story kept live in the browser: starts from the server-rendered latest view (no second fetch),
 * subscribes to that view with its version, and exposes the view as it moves on and an honest
 * connection status. Every reader surface (live page, ticker, embed) follows the latest view, so
 * what it costs does not grow with the story.
 */
export function liveStory(initial: Snapshot, onUpdate?: (previous: Snapshot, next: Snapshot) => void) {
  let snapshot = $state.raw(initial);
  let status = $state<ConnectionStatus>("idle");

  onMount(() => {
    const socket = connectLive(location.origin);
    const follow = followStory(socket, initial.id, {
      initial,
      view: "latest",
      onChange: (next) => {
        const previous = snapshot;
        snapshot = next;
        onUpdate?.(previous, next);
      },
    });
    const unwatch = watchConnection(socket, (next) => (status = next));
    return () => {
      unwatch();
      follow.stop();
      socket.disconnect();
    };
  });

  return {
    get snapshot() {
      return snapshot;
    },
    get status() {
      return status;
    },
  };
}
