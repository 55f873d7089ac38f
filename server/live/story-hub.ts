import type { Server, Socket } from "socket.io";
import { diffSnapshots } from "../../shared/patch.js";
import { roomOf, type ClientToServerEvents, type PatchMessage, type ServerToClientEvents } from "../../shared/protocol.js";
import type { Snapshot } from "../../shared/story.js";
import type { Committed, Store } from "../store/store.js";

export type LiveServer = Server<ClientToServerEvents, ServerToClientEvents>;
export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** How many stories' latest snapshots stay in memory (least recently used go first). */
const CACHED_STORIES = 1_000;

/**
 * The live side of every story: keeps each active story's latest snapshot in memory, broadcasts
 * each new version to the story's room (Socket.IO encodes a room broadcast once for all sockets),
 * and brings a subscriber level. Subscribing and broadcasting touch the cache synchronously, so a
 * subscriber always gets exactly the versions after the state it was sent, never a duplicate or gap.
 */
export class StoryHub {
  readonly #latest = new Map<string, Snapshot>();

  constructor(
    private readonly io: LiveServer,
    private readonly store: Store,
  ) {}

  /** Called after every durable commit, in commit order. */
  publish(committed: Committed): void {
    const { snapshot, previous, ops } = committed;
    if (!committed.changed) return;
    // A subscriber may have loaded this version from the store already; the cache keeps the newest.
    this.#freshest(snapshot);
    if (!previous) return; // a new story has no readers yet
    const message: PatchMessage = { storyId: snapshot.id, from: previous.version, to: snapshot.version, ops };
    this.io.to(roomOf(snapshot.id)).emit("patch", message);
  }

  /**
   * Joins `socket` to the story and sends what it lacks: nothing if it is current, one patch from
   * `version` if that is smaller than the snapshot, else the snapshot. Returns the version the
   * socket now has, "not_found" for an unknown story, or "cancelled" when `stillWanted` says the
   * socket gave up (unsubscribed, or subscribed again) while the story was loading.
   */
  async subscribe(
    socket: LiveSocket,
    storyId: string,
    version: number | undefined,
    stillWanted: () => boolean,
  ): Promise<number | "not_found" | "cancelled"> {
    const loaded = await this.#load(storyId);
    if (!loaded) return "not_found";
    const base = version !== undefined && version < loaded.version ? await this.store.snapshotAt(storyId, version) : undefined;
    if (!stillWanted()) return "cancelled";

    // From here on nothing awaits: the state sent and the room join happen before any later broadcast.
    const latest = this.#freshest(loaded);
    socket.join(roomOf(storyId));
    if (version === latest.version) return latest.version;
    const ops = base ? diffSnapshots(base, latest) : undefined;
    if (base && ops && JSON.stringify(ops).length < JSON.stringify(latest).length) {
      socket.emit("patch", { storyId, from: base.version, to: latest.version, ops });
    } else {
      socket.emit("snapshot", { storyId, snapshot: latest });
    }
    return latest.version;
  }

  unsubscribe(socket: LiveSocket, storyId: string): void {
    socket.leave(roomOf(storyId));
  }

  async #load(storyId: string): Promise<Snapshot | undefined> {
    const cached = this.#latest.get(storyId);
    if (cached) return cached;
    const stored = await this.store.latest(storyId);
    return stored && this.#freshest(stored);
  }

  /** The newer of `candidate` and what broadcasts have put in the cache meanwhile. */
  #freshest(candidate: Snapshot): Snapshot {
    const cached = this.#latest.get(candidate.id);
    if (cached && cached.version >= candidate.version) return cached;
    this.#remember(candidate);
    return candidate;
  }

  #remember(snapshot: Snapshot): void {
    this.#latest.delete(snapshot.id);
    this.#latest.set(snapshot.id, snapshot);
    if (this.#latest.size > CACHED_STORIES) this.#latest.delete(this.#latest.keys().next().value!);
  }
}
