import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import type { Namespace, Socket } from "socket.io";
import { maySeeDraft, reviewsDrafts, type ClosedDraft, type Draft } from "../../../shared/accounts.js";
import { issuesOf } from "../../../shared/api.js";
import {
  DESK_NAMESPACE,
  DeskEditingRequest,
  DeskFollowRequest,
  DeskUnfollowRequest,
  type DeskClientToServerEvents,
  type DeskEditingAck,
  type DeskFollowAck,
  type DeskRefusal,
  type DeskServerToClientEvents,
  type DeskUnfollowAck,
  type DraftClosure,
  type QuestionChangedMessage,
  type QuestionsStateMessage,
} from "../../../shared/desk-protocol.js";
import type { AlertNews } from "../../push/alert-outbox.js";
import type { Limits } from "../../config.js";
import { writerOf, type Credentials, type Principal } from "../../http/auth.js";
import { DomainError } from "../../../shared/error-codes.js";
import type { AccountStore } from "../../store/accounts.js";
import { fail, limitEvents, splitAck } from "../socket-events.js";
import type { LiveServer } from "../live-server.js";
import { DeskPresence, type PresenceInterServerEvents, type PresenceNamespace } from "./presence.js";

/** How often a desk socket's credentials are checked again: a signed-out or demoted account stops hearing within this. */
const RECHECK_MS = 60_000;

interface DeskSocketData {
  principal: Principal;
}
type DeskNamespace = Namespace<DeskClientToServerEvents, DeskServerToClientEvents, PresenceInterServerEvents, DeskSocketData>;
type DeskSocket = Socket<DeskClientToServerEvents, DeskServerToClientEvents, PresenceInterServerEvents, DeskSocketData>;

/** What the draft routes tell the desk, after the store has committed the change. */
export interface DraftNews {
  changed(draft: Draft): void;
  closed(closed: ClosedDraft): void;
}

/** What the question routes tell the desk (issue 36), after the store has it. */
export interface QuestionNews {
  question(message: QuestionChangedMessage): void;
  state(message: QuestionsStateMessage): void;
}

/** Editors' and admins' room of a story's desk; each contributor hears only in a room of their own. */
const reviewersRoom = (storyId: string) => `desk:${storyId}`;
/** Every desk following the story, contributors too: readers' questions are for whoever may answer them. */
const questionsRoom = (storyId: string) => `desk:${storyId}:questions`;
const authorRoom = (storyId: string, userId: string) => `desk:${storyId}:author:${userId}`;

export interface DeskChannelOptions {
  accounts: AccountStore;
  /** The credentials of a handshake: the same resolver, and so the same rules, as the HTTP API's. */
  credentials: (authorization: string | undefined, cookie: string | undefined) => Promise<Credentials>;
  /** The session cookie's name (auth.ts's SessionPolicy). */
  cookieName: string;
  /** The site's own origin: a browser must come from it to use a session cookie here. */
  origin: () => string;
  storyExists: (storyId: string) => Promise<boolean>;
  /** Whether the story's latest version has the entry: presence names only entries that are there. */
  entryExists: (storyId: string, entryId: string) => Promise<boolean>;
  limits: Pick<Limits, "subscriptionsPerSocket" | "socketEventBurst" | "socketEventsPerMinute">;
  log: Logger;
  rejected: (code: string) => void;
  recheckMs?: number;
  /** This process's id among the nodes, and whether there are others (Redis): for presence. */
  node: string;
  clustered: boolean;
}

interface KeptHeaders {
  authorization?: string | undefined;
  cookie?: string | undefined;
  origin?: string | undefined;
}

/**
 * The desk's Socket.IO namespace (shared/desk-protocol.ts): only signed-in accounts connect; a
 * socket follows stories and hears of their drafts as its account may see them over HTTP. Rooms
 * are per story (reviewers) and per story and author (contributors), so a broadcast reaches exactly
 * those; with Redis, the adapter set on the server carries them to every node (cluster.ts).
 */
export class DeskChannel implements DraftNews, AlertNews, QuestionNews {
  readonly #nsp: DeskNamespace;
  /** By Engine.IO connection: the headers its desk sockets are judged on. */
  readonly #handshakes = new WeakMap<object, KeptHeaders>();
  readonly #presence: DeskPresence;

  constructor(io: LiveServer, private readonly options: DeskChannelOptions) {
    this.#nsp = io.of(DESK_NAMESPACE) as unknown as DeskNamespace;
    this.#presence = new DeskPresence(this.#nsp as unknown as PresenceNamespace, { node: options.node, clustered: options.clustered, roomOf: reviewersRoom });
    this.#nsp.use((socket, next) => {
      this.#admit(socket).then(
        (admitted) => {
          if ("code" in admitted) {
            options.rejected(admitted.code);
            return next(Object.assign(new Error(admitted.message), { data: admitted }));
          }
          socket.data.principal = admitted;
          next();
        },
        (error: unknown) => {
          options.log.error({ err: error }, "desk handshake failed");
          next(new Error("The desk could not check your credentials; try again."));
        },
      );
    });
    this.#nsp.on("connection", (socket) => this.#serve(socket));
  }

  /**
   * Keeps what the desk's handshake needs from an Engine.IO connection's request (its credentials
   * and Origin), before live/readers/reader-wire.ts lets the request go. Only connections that carry
   * credentials keep anything; a reader's keeps nothing.
   */
  keepCredentials(connection: object, request: IncomingMessage): void {
    const { authorization, cookie, origin } = request.headers;
    if (authorization === undefined && !cookie?.includes(`${this.options.cookieName}=`)) return;
    this.#handshakes.set(connection, { authorization, cookie, origin });
  }

  /** Stops presence reports; the other nodes drop this node's editors at once. */
  close(): void {
    this.#presence.close();
  }

  changed(draft: Draft): void {
    this.#nsp.to([reviewersRoom(draft.storyId), authorRoom(draft.storyId, draft.authorId)]).emit("draft:changed", { storyId: draft.storyId, draft });
  }

  closed({ storyId, authorId, ...closure }: ClosedDraft): void {
    this.#nsp.to([reviewersRoom(storyId), authorRoom(storyId, authorId)]).emit("draft:closed", { storyId, ...closure });
  }

  /** Editors and admins only, like the audience: the figures are the newsroom's. */
  alertFinished({ storyId, entryId, state, sent, failed, removed }: Parameters<AlertNews["alertFinished"]>[0], subscribers: number): void {
    this.#nsp.to(reviewersRoom(storyId)).emit("alert:sent", { storyId, entryId, state, sent, failed, removed, subscribers });
  }

  question(message: QuestionChangedMessage): void {
    this.#nsp.to(questionsRoom(message.storyId)).emit("question:changed", message);
  }

  state(message: QuestionsStateMessage): void {
    this.#nsp.to(questionsRoom(message.storyId)).emit("questions:state", message);
  }

  /** The principal of a handshake, by the HTTP API's rules, or why it is refused (connect_error's data). */
  async #admit(socket: DeskSocket): Promise<Principal | DeskRefusal> {
    const headers = this.#handshakes.get(socket.conn) ?? {};
    const credentials = await this.options.credentials(headers.authorization, headers.cookie);
    if (credentials.kind === "none") return { code: "unauthorized", message: "The desk's live channel is for signed-in accounts: sign in, or send Authorization: Bearer <token>." };
    if (credentials.kind === "bad_bearer") return { code: "unauthorized", message: "The credentials are not valid." };
    if (credentials.kind === "dead_session") return { code: "session_expired", message: "Your session has ended; sign in again." };
    const { principal } = credentials;
    // A WebSocket is not bound by CORS: a page on another site must not ride a desk's cookie here.
    if (principal.via === "session" && headers.origin !== undefined && headers.origin !== this.options.origin()) {
      return { code: "origin_not_allowed", message: "Only the desk's own pages may use its live channel with a session." };
    }
    try {
      return writerOf(principal, ["contributor", "editor", "admin"]);
    } catch (error) {
      if (error instanceof DomainError) return { code: error.code as DeskRefusal["code"], message: error.message };
      throw error;
    }
  }

  #serve(socket: DeskSocket): void {
    const { accounts, limits, log, rejected } = this.options;
    const principal = socket.data.principal;
    const following = new Set<string>();
    limitEvents(socket, limits, rejected);

    // A session signed out, revoked or demoted elsewhere stops hearing within RECHECK_MS; the
    // client's reconnect then meets the handshake's refusal and says why.
    const recheck = setInterval(() => {
      this.#admit(socket).then(
        (now) => {
          if ("code" in now || now.role !== principal.role) socket.disconnect(true);
        },
        () => {}, // the store is unreachable: judged again next time
      );
    }, this.options.recheckMs ?? RECHECK_MS);
    recheck.unref();
    socket.on("disconnect", () => {
      clearInterval(recheck);
      this.#presence.gone(socket.id);
    });
    // Presence is among those who may edit entries: editors and admins see each other; contributors
    // neither appear nor hear it. The key is the account, so two tabs of one account are one editor.
    const reviewer = reviewsDrafts(principal.role);
    const who = { id: principal.userId ?? principal.id, name: principal.name, ...(principal.login ? { login: principal.login } : {}) };

    socket.on("follow", async (...args: unknown[]) => {
      const { payload, ack } = splitAck<DeskFollowAck>(args, rejected);
      const request = DeskFollowRequest.safeParse(payload);
      if (!request.success) return ack(fail("bad_request", "follow needs {storyId, known?} with a valid story id.", { issues: issuesOf(request.error) }));
      const { storyId, known = [] } = request.data;
      if (!following.has(storyId) && following.size >= limits.subscriptionsPerSocket) {
        return ack(fail("too_many_subscriptions", `One connection may follow at most ${limits.subscriptionsPerSocket} stories.`));
      }
      try {
        if (!(await this.options.storyExists(storyId))) return ack(fail("story_not_found", `No story "${storyId}".`));
        // Joined before the drafts are read: a change committed meanwhile is heard, never lost
        // between the list and the first message (the desk keeps the newer of the two).
        following.add(storyId);
        await socket.join([reviewer ? reviewersRoom(storyId) : authorRoom(storyId, principal.userId!), questionsRoom(storyId)]);
        const drafts = await accounts.listDrafts(storyId, reviewer ? undefined : principal.userId);
        const open = new Set(drafts.map((d) => d.id));
        const closed: DraftClosure[] = [];
        for (const id of new Set(known)) {
          if (open.has(id)) continue;
          const gone = await accounts.closedDraft(storyId, id);
          if (gone && maySeeDraft(principal, gone.authorId)) closed.push({ id, outcome: gone.outcome, by: gone.by, at: gone.at, ...(gone.entryId ? { entryId: gone.entryId } : {}) });
        }
        if (!reviewer) return ack({ ok: true, drafts, closed });
        // Not for a socket that went while the drafts were read, nor for a story unfollowed meanwhile.
        if (socket.connected && following.has(storyId)) this.#presence.follow(socket.id, who, storyId);
        ack({ ok: true, drafts, closed, presence: this.#presence.on(storyId) });
      } catch (error) {
        log.error({ err: error, storyId }, "desk follow failed");
        ack(fail("internal_error", "The server could not list the drafts; retry shortly."));
      }
    });

    socket.on("unfollow", async (...args: unknown[]) => {
      const { payload, ack } = splitAck<DeskUnfollowAck>(args, rejected);
      const request = DeskUnfollowRequest.safeParse(payload);
      if (!request.success) return ack(fail("bad_request", "unfollow needs {storyId}."));
      const { storyId } = request.data;
      following.delete(storyId);
      this.#presence.unfollow(socket.id, storyId);
      await socket.leave(reviewersRoom(storyId));
      await socket.leave(questionsRoom(storyId));
      if (principal.userId) await socket.leave(authorRoom(storyId, principal.userId));
      ack({ ok: true });
    });

    socket.on("editing", async (...args: unknown[]) => {
      const { payload, ack } = splitAck<DeskEditingAck>(args, rejected);
      const request = DeskEditingRequest.safeParse(payload);
      if (!request.success) return ack(fail("bad_request", "editing needs {storyId, entryId} with an entry id, or null when the edit form closed."));
      if (!reviewer) return ack(fail("forbidden", "Only editors and admins edit published entries."));
      const { storyId, entryId } = request.data;
      const notFollowing = () => ack(fail("not_following", `Follow "${storyId}" before saying what you edit in it.`));
      if (!following.has(storyId)) return notFollowing();
      // Otherwise any id, made up or long removed, would be shown to every editor of the story as being edited.
      try {
        if (entryId !== null && !(await this.options.entryExists(storyId, entryId))) return ack(fail("entry_not_found", `No entry "${entryId}" in "${storyId}" now.`));
      } catch (error) {
        log.error({ err: error, storyId }, "desk editing check failed");
        return ack(fail("internal_error", "The server could not look the entry up; retry shortly."));
      }
      if (!this.#presence.editing(socket.id, storyId, entryId)) return notFollowing();
      ack({ ok: true });
    });
  }
}
