import type { LiveSocket } from "./live-client.js";

/** What a page says about its live connection; "idle" until the page's script runs. */
export type ConnectionStatus = "idle" | "connecting" | "live" | "reconnecting" | "offline";

/**
 * Follows a socket's connection as the reader and the desk both show it: live while connected,
 * "offline" when the browser says so, "reconnecting" otherwise. Returns the stop function.
 */
export function watchConnection(socket: LiveSocket, onStatus: (status: ConnectionStatus) => void): () => void {
  const up = () => onStatus("live");
  const down = () => onStatus(navigator.onLine ? "reconnecting" : "offline");
  onStatus(socket.connected ? "live" : "connecting");
  socket.on("connect", up);
  socket.on("disconnect", down);
  // A connection the server refused (live-client.ts retries it later): not live, and not silent.
  socket.on("connect_error", down);
  socket.io.on("reconnect_attempt", down);
  window.addEventListener("offline", down);
  return () => {
    socket.off("connect", up);
    socket.off("disconnect", down);
    socket.off("connect_error", down);
    socket.io.off("reconnect_attempt", down);
    window.removeEventListener("offline", down);
  };
}
