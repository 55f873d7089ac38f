import { PacketType } from "socket.io-parser";
import { roomOf, type PatchMessage, type SnapshotMessage } from "../../shared/protocol.js";
import { VIEW_NAMES, type ViewName } from "../../shared/view-names.js";
import type { Metrics } from "../metrics.js";
import type { Backpressure } from "./backpressure.js";
import type { LiveServer, LiveSocket } from "./live-server.js";
import { connectionOf, framePacket, sendFramed } from "./engine-connection.js";
import { encodedBytes } from "./shared-encoding.js";
import type { TakenVersions } from "./taken-versions.js";

/** A story's readers on this node are spread over this many rooms, so that a fan-out can pause between them. */
const SHARDS = 16;
/**
 * How long a fan-out may hold the event loop before it lets writes, joins and other stories in.
 * Shorter slices cost CPU (measured with 10k readers: 4 ms slices took ~30% more CPU per update
 * than none, 15 ms slices about the same as none), longer ones delay a write by up to a slice.
 */
const SLICE_MS = 15;

/**
 * The room of one of a story's reader shards of one view (every reader is also in the story's own
 * room): each view's readers get that view's patches (DESIGN.md §4), so each has its own shards.
 */
export const shardRoom = (storyId: string, shard: number, view: ViewName = "full") => `${roomOf(storyId)}${view === "full" ? "" : `~${view}`}#${shard}`;

/** Every shard room of every view, in the order a fan-out visits them. */
const SHARD_ROOMS = VIEW_NAMES.flatMap((view) => Array.from({ length: SHARDS }, (_, shard) => ({ view, shard })));

/** A story's rooms on this node, named once: every reader's room list shares these strings. */
interface Rooms {
  story: string;
  /** Per view, its shard rooms. */
  shards: Record<ViewName, string[]>;
  /** The shard room the next joining reader goes to. */
  nextShard: number;
  /**
   * The versions going out, the index in SHARD_ROOMS of the next room they go to, and the readers
   * who joined while they were going out, with the version their join gave them (socket id →
   * version): a room the fan-out reaches after such a join must not send that reader again what
   * its join answer already brought it.
   */
  outgoing?: { taken: TakenVersions; room: number; joinedMeanwhile: Map<string, number> };
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
    private readonly take: (storyId: string) => TakenVersions,
    private readonly backpressure: Backpressure,
    private readonly metrics: Metrics,
  ) {}

  /** Readers of the story on this node (the adapter's rooms are this node's). */
  readers(storyId: string): number {
    return this.io.of("/").adapter.rooms.get(roomOf(storyId))?.size ?? 0;
  }

  /**
   * Puts `socket` in the broadcasts of the story's `view`. A reader already in a shard room stays
   * in that shard, or it would get every patch twice; one that asks for another view moves to it.
   * `version` is what the reader holds once its join answer is sent. Returns the shard room.
   */
  join(socket: LiveSocket, storyId: string, view: ViewName, version: number): string {
    const rooms = this.#roomsOf(storyId);
    rooms.outgoing?.joinedMeanwhile.set(socket.id, version);
    const now = this.#shardOf(socket, rooms);
    if (now && now.view !== view) socket.leave(rooms.shards[now.view][now.shard]!);
    const shard = now?.shard ?? rooms.nextShard++ % SHARDS;
    const room = rooms.shards[view][shard]!;
    socket.join([rooms.story, room]);
    return room;
  }

  leave(socket: LiveSocket, storyId: string): void {
    const rooms = this.#stories.get(storyId);
    if (!rooms) return;
    socket.leave(rooms.story);
    const now = this.#shardOf(socket, rooms);
    if (now) socket.leave(rooms.shards[now.view][now.shard]!);
  }


  /** Sends a joining reader its own message (encoded once per version, however many join). */
  sendTo(socket: LiveSocket, send: { event: "patch"; message: PatchMessage } | { event: "snapshot"; message: SnapshotMessage }): void {
    if (send.event === "patch") socket.emit("patch", send.message);
    else socket.emit("snapshot", send.message);
    this.metrics.subscribeSends.inc({ kind: send.event });
    if (send.event === "patch") this.metrics.patchesSent.inc();
    this.metrics.bytesSent.inc(encodedBytes(send.message));
  }

  /**
   * The story has patches to take: they go out at the next turn of the event loop, so that the
   * write that made them is answered first (its POST→201 never includes a fan-out), unless a
   * fan-out of the story is already under way or due (it takes them after).
   */
  wake(storyId: string): void {
    const rooms = this.#roomsOf(storyId);
    if (!rooms.paused) this.#resumeSoon(storyId, rooms);
  }

  /** The story left the sequencer's cache: nobody here follows it. */
  forget(storyId: string): void {
    if (!this.#stories.get(storyId)?.paused) this.#stories.delete(storyId);
  }

  /**
   * Sends taken versions to the story's shard rooms, in order, until none is left; when the slice
   * is used up it pauses and goes on at a later turn of the event loop. A fan-out that fits in one
   * slice (an audience of a few thousand) goes out in one turn: one message per version.
   */
  #fanOut(storyId: string, rooms: Rooms): void {
    const sliceStart = performance.now();
    for (;;) {
      if (!rooms.outgoing) {
        const taken = this.take(storyId);
        if (taken.length === 0) return;
        rooms.outgoing = { taken, room: 0, joinedMeanwhile: new Map() };
      }
      const { taken, room: index, joinedMeanwhile } = rooms.outgoing;
      const { view, shard } = SHARD_ROOMS[index]!;
      const roomName = rooms.shards[view][shard]!;
      // An empty room costs nothing, not even its view's patches.
      const members = this.io.of("/").adapter.rooms.get(roomName);
      if (members?.size) for (const message of taken.of(view)) this.#sendToRoom(roomName, members, message, joinedMeanwhile);
      rooms.outgoing = index + 1 < SHARD_ROOMS.length ? { taken, room: index + 1, joinedMeanwhile } : undefined;
      // At least one shard per slice, so that even a starved process makes progress.
      if (rooms.outgoing && performance.now() - sliceStart >= SLICE_MS) return this.#resumeSoon(storyId, rooms);
    }
  }

  /**
   * One patch to the readers of one shard room, each socket written by hand rather than by
   * `io.to(room).emit`: the packet is framed once and backpressure judges each socket as it goes.
   */
  #sendToRoom(roomName: string, members: ReadonlySet<string>, message: PatchMessage, joinedMeanwhile: ReadonlyMap<string, number>): void {
    const packet = framePacket(this.#encode(message));
    const sockets = this.io.sockets.sockets;
    let readers = 0;
    for (const id of members) {
      const socket = sockets.get(id);
      if (!socket?.connected) continue;
      if (joinedMeanwhile.size > 0 && (joinedMeanwhile.get(id) ?? 0) >= message.to) continue;
      if (!this.backpressure.admits(socket, roomName, message)) continue;
      sendFramed(connectionOf(socket), packet);
      readers++;
    }
    this.backpressure.settle();
    this.metrics.patchesSent.inc(readers);
    this.metrics.bytesSent.inc(readers * encodedBytes(message));
  }

  /** The patch's Socket.IO packet as the server's own encoder writes it (live/shared-encoding.ts: once per version). */
  #encode(message: PatchMessage): string {
    const [text] = this.io.encoder.encode({ type: PacketType.EVENT, nsp: "/", data: ["patch", message] });
    if (typeof text !== "string") throw new Error("a patch encodes to one text packet");
    return text;
  }

  #resumeSoon(storyId: string, rooms: Rooms): void {
    rooms.paused = true;
    setImmediate(() => {
      rooms.paused = false;
      this.#fanOut(storyId, rooms);
    });
  }

  #roomsOf(storyId: string): Rooms {
    let rooms = this.#stories.get(storyId);
    if (!rooms) {
      const shardsOf = (view: ViewName) => Array.from({ length: SHARDS }, (_, shard) => shardRoom(storyId, shard, view));
      const shards = Object.fromEntries(VIEW_NAMES.map((view) => [view, shardsOf(view)])) as Record<ViewName, string[]>;
      this.#stories.set(storyId, (rooms = { story: roomOf(storyId), shards, nextShard: 0, paused: false }));
    }
    return rooms;
  }

  #shardOf(socket: LiveSocket, rooms: Rooms): { view: ViewName; shard: number } | undefined {
    return SHARD_ROOMS.find(({ view, shard }) => socket.rooms.has(rooms.shards[view][shard]!));
  }
}
