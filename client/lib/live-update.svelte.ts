import { onMount } from "svelte";
import type { PatchResponse } from "../../shared/api.js";
import { PROTOCOL_VERSION } from "../../shared/protocol-version.js";
import type { Entry } from "../../shared/story.js";
import { updateAfterPatch } from "../../shared/update-pages.js";
import { watchConnection, type ConnectionStatus } from "./connection.js";
import { connectLive } from "./live-client.js";
import { requestJson } from "./request.js";

/**
 * One update kept live on its own page. The page holds the update, not the story: it subscribes
 * to the story's latest view only to hear of each new version (reading no more than its number),
 * then fetches the story's full patch from the version it shows (`GET /api/stories/:id/patch`,
 * one immutable, cacheable answer per version pair) and applies what touched its update
 * (shared/update-pages.ts): an edit shows, a removal says so. One fetch at a time; a failed one is
 * tried again at the next version.
 */
export function liveUpdate(storyId: string, version: number, initial: Entry | null, initialRemovedAt?: string) {
  let entry = $state.raw(initial);
  let removedAt = $state(initialRemovedAt);
  let status = $state<ConnectionStatus>("idle");

  onMount(() => {
    if (!initial) return; // a removed update stays removed: nothing to follow
    let shown = version;
    let latest = version;
    let fetching = false;
    const socket = connectLive(location.origin);

    const catchUp = async () => {
      if (fetching) return;
      fetching = true;
      try {
        while (entry && latest > shown) {
          const to = latest;
          const { ops } = await requestJson<PatchResponse>(`/api/stories/${storyId}/patch?from=${shown}&to=${to}`);
          const change = updateAfterPatch(entry, ops, new Date().toISOString());
          if (change.kind === "changed") entry = change.entry;
          if (change.kind === "removed") {
            [entry, removedAt] = [null, change.at];
            socket.disconnect(); // nothing left to follow
          }
          shown = to;
        }
      } catch {
        // The network, most likely: the next version tries again from the version still shown.
      } finally {
        fetching = false;
      }
    };
    const heard = (to: number) => {
      latest = Math.max(latest, to);
      void catchUp();
    };
    socket.on("patch", (message) => message.storyId === storyId && heard(message.to));
    socket.on("snapshot", (message) => message.storyId === storyId && heard(message.snapshot.version));
    // Subscribed again on every connection, from the newest version heard: a reconnect costs one patch of the view.
    socket.on("connect", () => socket.emit("subscribe", { storyId, protocol: PROTOCOL_VERSION, version: latest, view: "latest" }, () => {}));
    const unwatch = watchConnection(socket, (next) => (status = next));
    return () => {
      unwatch();
      socket.disconnect();
    };
  });

  return {
    get entry() {
      return entry;
    },
    get removedAt() {
      return removedAt;
    },
    get status() {
      return status;
    },
  };
}
