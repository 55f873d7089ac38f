import { onMount } from "svelte";
import type { Snapshot } from "../../shared/story.js";
import { connectLive, followStory } from "../lib/live-client.js";

/** What the reader is told about the connection; "idle" until the page's script runs. */
export type ConnectionStatus = "idle" | "connecting" | "live" | "reconnecting" | "offline";

/**
 * A story kept live in the browser: starts from the server-rendered snapshot (no second fetch),
 * subscribes with its version, and exposes the latest snapshot and an honest connection status.
 */
export function liveStory(initial: Snapshot, onUpdate?: (previous: Snapshot, next: Snapshot) => void) {
  let snapshot = $state.raw(initial);
  let status = $state<ConnectionStatus>("idle");

  onMount(() => {
    const socket = connectLive(location.origin);
    const lost = () => (status = navigator.onLine ? "reconnecting" : "offline");
    status = "connecting";
    const follow = followStory(socket, initial.id, {
      initial,
      onChange: (next) => {
        const previous = snapshot;
        snapshot = next;
        onUpdate?.(previous, next);
      },
    });
    socket.on("connect", () => (status = "live"));
    socket.on("disconnect", lost);
    socket.io.on("reconnect_attempt", lost);
    window.addEventListener("offline", lost);
    return () => {
      window.removeEventListener("offline", lost);
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
