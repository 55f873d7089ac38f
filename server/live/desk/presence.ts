import { z } from "zod";
import type { PresenceMessage } from "../../../shared/desk-protocol.js";
import { NodeReports, type NodeReport } from "../../../shared/node-reports.js";
import { presenceOfSockets, presenceOnStory, samePresence, type NodePresence, type PresentEditor, type SocketPresence } from "../../../shared/presence.js";

/**
 * How often each node repeats its desk presence to the others (it also reports at once on every
 * change); a node not heard from for REPORT_TTL_MS (a crash, a cut link) drops out of everyone's lists.
 */
export const PRESENCE_REPORT_MS = 2_000;
const REPORT_TTL_MS = 3 * PRESENCE_REPORT_MS + 1_000;

/**
 * A report as it comes from Redis, checked before it is merged: a node of another build (a rolling
 * upgrade) or a stray publisher must not throw inside the adapter's message handler.
 */
const PresenceReport = z.object({
  node: z.string(),
  seq: z.number().int(),
  state: z.record(z.string(), z.array(z.object({ id: z.string(), name: z.string(), login: z.string().optional(), editing: z.array(z.string()) }))),
});

/** Between nodes, on the desk namespace: a node's whole presence, repeated. */
export interface PresenceInterServerEvents {
  presence(report: NodeReport<NodePresence>): void;
}

/** The part of the desk namespace presence uses: local sends and, clustered, messages between nodes. */
export interface PresenceNamespace {
  local: { to(room: string): { emit(event: "presence", message: PresenceMessage): boolean } };
  serverSideEmit(event: "presence", report: NodeReport<NodePresence>): boolean;
  on(event: "presence", listener: (report: NodeReport<NodePresence>) => void): unknown;
}

export interface PresenceOptions {
  /** This process's id among the nodes. */
  node: string;
  /** Several nodes share the desk (Redis): report to them and hear their reports. */
  clustered: boolean;
  /** The room of a story's editors on this node: who is told. */
  roomOf: (storyId: string) => string;
  reportMs?: number;
}

/**
 * Who has which story open on the desk (issue 19), over every node. Each node owns its own sockets'
 * presence and reports all of it to the others, at once on a change and every PRESENCE_REPORT_MS;
 * each node merges its own with the reports it heard, and tells its own editors' sockets (never
 * the adapter's broadcast: every node tells its own, so nobody hears a change twice) whenever the
 * merged list of a story changes. A node that goes away stops reporting and expires.
 */
export class DeskPresence {
  readonly #sockets = new Map<string, SocketPresence & { stories: Map<string, string | null> }>();
  readonly #peers = new NodeReports<NodePresence>(REPORT_TTL_MS);
  /** What each story's editors on this node were last told. */
  readonly #told = new Map<string, PresentEditor[]>();
  #own: NodePresence = {};
  #seq = 0;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly nsp: PresenceNamespace,
    private readonly options: PresenceOptions,
  ) {
    if (!options.clustered) return;
    nsp.on("presence", (message) => {
      const report = PresenceReport.safeParse(message);
      if (!report.success || report.data.node === options.node || !this.#peers.accept(report.data, Date.now())) return;
      this.#tell();
    });
    this.#timer = setInterval(() => {
      this.#report();
      if (this.#peers.expire(Date.now())) this.#tell();
    }, options.reportMs ?? PRESENCE_REPORT_MS);
    this.#timer.unref();
  }

  /** A socket of account `who` opened the story on its desk. */
  follow(socketId: string, who: { id: string; name: string; login?: string }, storyId: string): void {
    const socket = this.#sockets.get(socketId) ?? { ...who, stories: new Map<string, string | null>() };
    this.#sockets.set(socketId, socket);
    if (socket.stories.has(storyId)) return;
    socket.stories.set(storyId, null);
    this.#changed();
  }

  unfollow(socketId: string, storyId: string): void {
    if (this.#sockets.get(socketId)?.stories.delete(storyId)) this.#changed();
  }

  /** The socket opened (an entry id) or closed (null) an edit form; false when it does not follow the story. */
  editing(socketId: string, storyId: string, entryId: string | null): boolean {
    const stories = this.#sockets.get(socketId)?.stories;
    if (!stories?.has(storyId)) return false;
    if (stories.get(storyId) === entryId) return true;
    stories.set(storyId, entryId);
    this.#changed();
    return true;
  }

  /** The socket disconnected: its presence goes at once. */
  gone(socketId: string): void {
    if (this.#sockets.delete(socketId)) this.#changed();
  }

  /** Everyone on the story now, over every node heard from. */
  on(storyId: string): PresentEditor[] {
    return presenceOnStory([this.#own, ...this.#peers.states()], storyId);
  }

  /** Stops reporting; the others drop this node's editors at once (an empty report), not after the TTL. */
  close(): void {
    clearInterval(this.#timer);
    this.#sockets.clear();
    this.#changed();
  }

  #changed(): void {
    this.#own = presenceOfSockets(this.#sockets.values());
    this.#report();
    this.#tell();
  }

  #report(): void {
    if (this.options.clustered) this.nsp.serverSideEmit("presence", { node: this.options.node, seq: ++this.#seq, state: this.#own });
  }

  /** Tells this node's editors of every story whose merged list changed since they were last told. */
  #tell(): void {
    const stories = new Set([...this.#told.keys(), ...Object.keys(this.#own)]);
    for (const report of this.#peers.states()) for (const storyId of Object.keys(report)) stories.add(storyId);
    for (const storyId of stories) {
      const editors = this.on(storyId);
      if (samePresence(editors, this.#told.get(storyId) ?? [])) continue;
      if (editors.length > 0) this.#told.set(storyId, editors);
      else this.#told.delete(storyId);
      this.nsp.local.to(this.options.roomOf(storyId)).emit("presence", { storyId, editors });
    }
  }
}
