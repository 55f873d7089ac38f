import { roomOf, type PatchMessage, type SnapshotMessage } from "../../shared/protocol.js";
import type { Metrics } from "../metrics.js";
import type { Backpressure } from "./backpressure.js";
import type { LiveServer, LiveSocket } from "./live-server.js";
import { encodedBytes } from "./shared-encoding.js";

/** A story's readers on this node are spread over this many rooms, so that a fan-out can pause between them. */
const SHARDS = 16;
/**
 * How long a fan-out may hold the event loop before it lets writes, joins and other stories in.
 * Shorter slices cost CPU (measured with 10k readers: 4 ms slices took ~30% more CPU per update
 * than none, 15 ms slices about the same as none), longer ones delay a write by up to a slice.
 */
const SLICE_MS = 15;

/** The room of one of a story's reader shards (every reader is also in the story's own room). */
export const shardRoom = (storyId: string, shard: number) => `${roomOf(storyId)}#${shard}`;

/** A story's rooms on this node, named once: every reader's room list shares these strings. */
interface Rooms {
  story: string;
  shards: string[];
  /** The shard room the next joining reader goes to. */
  nextShard: number;
  /** The patches going out, and the next shard room they go to. */
  outgoing?: { messages: PatchMessage[]; shard: number };
  /** A fan-out has handed the event loop back and will go on shortly. */
  paused: boolean;
}

/**
 * Sends a story's versions to its readers on this node; it decides nothing about what they are.
 * When woken it `take`s the next patches (live/sequencer.ts) and sends them shard room by shard
 * room, each serialized once, handing the event loop back every SLICE_MS so that an editor's
 * write is never stuck behind ten thousand sends; versions that come meanwhile are taken after.
 */
export class FanOut {
  readonly #stories = new Map<string, Rooms>();

  constructor(
    private readonly io: LiveServer,
    private readonly take: (storyId: string) => PatchMessage[],
    private readonly backpressure: Backpressure,
    private readonly metrics: Metrics,
  ) {}

  /** Readers of the story on this node (the adapter's rooms are this node's). */
  readers(storyId: string): number {
    return this.io.of("/").adapter.rooms.get(roomOf(storyId))?.size ?? 0;
  }

  /** Puts `socket` in the story's broadcasts; a reader already in a shard room stays there, or it would get every patch twice. */
  join(socket: LiveSocket, storyId: string): void {
    const rooms = this.#roomsOf(storyId);
    const shard = this.#shardOf(socket, rooms) ?? rooms.nextShard++ % SHARDS;
    socket.join([rooms.story, rooms.shards[shard]!]);
  }

  leave(socket: LiveSocket, storyId: string): void {
    const rooms = this.#stories.get(storyId);
    if (!rooms) return;
    socket.leave(rooms.story);
    const shard = this.#shardOf(socket, rooms);
    if (shard !== undefined) socket.leave(rooms.shards[shard]!);
  }

  /** Sends a joining reader its own message (encoded once per version, however many join). */
  sendTo(socket: LiveSocket, send: { event: "patch"; message: PatchMessage } | { event: "snapshot"; message: SnapshotMessage }): void {
    if (send.event === "patch") socket.emit("patch", send.message);
    else socket.emit("snapshot", send.message);
    this.metrics.subscribeSends.inc({ kind: send.event });
    if (send.event === "patch") this.metrics.patchesSent.inc();
    this.metrics.bytesSent.inc(encodedBytes(send.message));
  }

  /** The story has patches to take: sends them now, unless a fan-out of it is already under way (it takes them after). */
  wake(storyId: string): void {
    const rooms = this.#roomsOf(storyId);
    if (!rooms.paused) this.#fanOut(storyId, rooms);
  }

  /** The story left the sequencer's cache: nobody here follows it. */
  forget(storyId: string): void {
    if (!this.#stories.get(storyId)?.paused) this.#stories.delete(storyId);
  }

  /**
   * Sends taken versions to the story's shard rooms, in order, until none is left; when the slice
   * is used up it pauses and goes on at a later turn of the event loop. A fan-out that fits in one
   * slice (an audience of a few thousand) ends before `wake` returns: one message per version.
   */
  #fanOut(storyId: string, rooms: Rooms): void {
    const sliceStart = performance.now();
    for (;;) {
      if (!rooms.outgoing) {
        const messages = this.take(storyId);
        if (messages.length === 0) return;
        rooms.outgoing = { messages, shard: 0 };
      }
      const { messages, shard } = rooms.outgoing;
      const roomName = rooms.shards[shard]!;
      const room = this.io.local.to(roomName);
      for (const message of messages) {
        const readers = this.backpressure.screen(roomName, message);
        if (readers === 0) continue;
        room.emit("patch", message);
        this.metrics.patchesSent.inc(readers);
        this.metrics.bytesSent.inc(readers * encodedBytes(message));
      }
      rooms.outgoing = shard + 1 < SHARDS ? { messages, shard: shard + 1 } : undefined;
      // At least one shard per slice, so that even a starved process makes progress.
      if (rooms.outgoing && performance.now() - sliceStart >= SLICE_MS) {
        rooms.paused = true;
        setImmediate(() => {
          rooms.paused = false;
          this.#fanOut(storyId, rooms);
        });
        return;
      }
    }
  }

  #roomsOf(storyId: string): Rooms {
    let rooms = this.#stories.get(storyId);
    if (!rooms) {
      const shards = Array.from({ length: SHARDS }, (_, shard) => shardRoom(storyId, shard));
      this.#stories.set(storyId, (rooms = { story: roomOf(storyId), shards, nextShard: 0, paused: false }));
    }
    return rooms;
  }

  #shardOf(socket: LiveSocket, rooms: Rooms): number | undefined {
    for (let shard = 0; shard < SHARDS; shard++) if (socket.rooms.has(rooms.shards[shard]!)) return shard;
    return undefined;
  }
}
