import type { ViewName } from "../../../shared/view-names.js";
import { ReaderSession } from "./reader-session.js";
import type { Frame, ReaderWire } from "./reader-wire.js";

/**
 * A reader for unit tests of the live side without sockets: a session on a wire that records what
 * it was sent and whose queue the test sets (`queue(bytes)`: what the reader has not taken yet),
 * then drains (`drain()`), as engine.io's and ws's "drain" would say.
 */
export function fakeReader(id: string, address?: string) {
  const state = { queued: 0, terminated: false, connected: true, sent: [] as string[], listeners: new Set<() => void>() };
  const wire: ReaderWire = {
    send: (frame: Frame) => void state.sent.push(frame.text),
    queuedBytes: () => state.queued,
    onDrained: (listener) => {
      state.listeners.add(listener);
      return () => state.listeners.delete(listener);
    },
    terminate: () => {
      state.terminated = true;
      state.connected = false;
    },
  };
  const session = new ReaderSession(id, wire, address, () => state.connected);
  return {
    session,
    state,
    /** The reader follows the story (as the handlers record a subscribe). */
    follows: (storyId: string, view: ViewName = "full") => void session.stories.set(storyId, { token: Symbol(storyId), view }),
    queue: (bytes: number) => void (state.queued = bytes),
    drain: () => {
      state.queued = 0;
      for (const listener of [...state.listeners]) listener();
    },
  };
}
