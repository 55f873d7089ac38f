import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DESK_NAMESPACE,
  type DeskClientToServerEvents,
  type DeskFollowAck,
  type DeskServerToClientEvents,
  type DraftChangedMessage,
  type DraftClosedMessage,
} from "../../shared/desk-protocol.js";
import { send, serverWithAccounts, sessionCookieOf, signIn, type Account } from "./accounts-helpers.js";
import { TOKEN, type TestServer } from "./harness.js";

type DeskSocket = Socket<DeskServerToClientEvents, DeskClientToServerEvents>;

/**
 * The desk's live channel (issue 13): drafts are pushed to the desk over the `/desk` namespace,
 * to exactly those who may see them over HTTP, and to nobody who is not signed in.
 */
describe("the desk's live channel", () => {
  let server: TestServer;
  let editor: Account;
  let wren: Account;
  let olga: Account;
  const STORY = "desk-story";
  const open: Socket[] = [];

  /** A /desk socket with these headers; resolves once connected, or rejects with the connect_error. */
  const deskSocket = (headers: Record<string, string>): Promise<DeskSocket> =>
    new Promise((resolve, reject) => {
      const socket: DeskSocket = connect(server.url + DESK_NAMESPACE, { transports: ["websocket"], extraHeaders: headers, reconnection: false, forceNew: true });
      open.push(socket);
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", reject);
    });
  const follow = (socket: DeskSocket, storyId = STORY, known?: string[]) =>
    new Promise<DeskFollowAck>((resolve) => socket.emit("follow", { storyId, ...(known ? { known } : {}) }, resolve));
  /** Records every draft message a socket hears. */
  const heard = (socket: DeskSocket) => {
    const messages: (DraftChangedMessage | DraftClosedMessage)[] = [];
    socket.on("draft:changed", (m) => messages.push(m));
    socket.on("draft:closed", (m) => messages.push(m));
    return messages;
  };
  const next = <E extends "draft:changed" | "draft:closed">(socket: DeskSocket, event: E, accept: (m: Parameters<DeskServerToClientEvents[E]>[0]) => boolean) =>
    new Promise<Parameters<DeskServerToClientEvents[E]>[0]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} within 5 s`)), 5_000);
      const listener = (message: Parameters<DeskServerToClientEvents[E]>[0]) => {
        if (!accept(message)) return;
        clearTimeout(timer);
        socket.off(event, listener as never);
        resolve(message);
      };
      socket.on(event, listener as never);
    });
  const draftBy = async (account: Account, body: string) => {
    const reply = await send(server.url, `/api/stories/${STORY}/drafts`, { cookie: account.cookie, body: { body } });
    expect(reply.status).toBe(201);
    return reply.body.draft as { id: string; revision: number };
  };

  beforeAll(async () => {
    ({ server, accounts: [editor, wren, olga] } = await serverWithAccounts({ id: STORY, title: "Desk" }, [
      ["olena", "editor"],
      ["wren", "contributor"],
      ["olga", "contributor"],
    ], { deskRecheckMs: 200 }));
  });
  afterAll(async () => {
    for (const socket of open) socket.disconnect();
    await server.close();
  });

  it("turns away sockets without valid credentials, with a code", async () => {
    const refusal = (headers: Record<string, string>) => deskSocket(headers).then(() => undefined, (error: Error & { data?: unknown }) => error.data);
    expect(await refusal({})).toEqual({ code: "unauthorized", message: expect.any(String) });
    expect(await refusal({ authorization: "Bearer not-a-token" })).toEqual({ code: "unauthorized", message: expect.any(String) });
    expect(await refusal({ cookie: "lt_session=forgotten" })).toEqual({ code: "session_expired", message: expect.any(String) });
    // Another site's page may open sockets (EMBED_ORIGINS=*), but not ride a desk's cookie here.
    expect(await refusal({ cookie: editor.cookie, origin: "https://elsewhere.example" })).toEqual({ code: "origin_not_allowed", message: expect.any(String) });
    expect(await refusal({ cookie: editor.cookie, origin: server.url })).toBeUndefined();
    expect(await refusal({ authorization: `Bearer ${TOKEN}` })).toBeUndefined();
  });

  it("pushes a contributor's new draft to an editor at once, and to no other contributor", async () => {
    const editorSocket = await deskSocket({ cookie: editor.cookie });
    const olgaSocket = await deskSocket({ cookie: olga.cookie });
    const wrenSocket = await deskSocket({ cookie: wren.cookie });
    for (const socket of [editorSocket, olgaSocket, wrenSocket]) expect(await follow(socket)).toMatchObject({ ok: true, drafts: [], closed: [] });
    const olgaHeard = heard(olgaSocket);

    const seen = next(editorSocket, "draft:changed", (m) => m.draft.body === "Sirens in the north");
    const own = next(wrenSocket, "draft:changed", (m) => m.draft.body === "Sirens in the north");
    const draft = await draftBy(wren, "Sirens in the north");
    expect(await seen).toEqual({ storyId: STORY, draft: expect.objectContaining({ id: draft.id, revision: 1, author: { name: "wren" } }) });
    expect((await own).draft.id).toBe(draft.id);

    // Olga's own draft reaches her after Wren's was sent: had Wren's come to her, it would be here first.
    const olgasOwn = next(olgaSocket, "draft:changed", (m) => m.draft.body === "Olga's note");
    await draftBy(olga, "Olga's note");
    await olgasOwn;
    expect(olgaHeard.map((m) => ("draft" in m ? m.draft.body : m.id))).toEqual(["Olga's note"]);

    // Following lists the same: all drafts for an editor, one's own for a contributor.
    const listed = (ack: DeskFollowAck) => (ack.ok ? ack.drafts.map((d) => d.body).sort() : ack.error.code);
    expect(listed(await follow(editorSocket))).toEqual(["Olga's note", "Sirens in the north"]);
    expect(listed(await follow(olgaSocket))).toEqual(["Olga's note"]);
  });

  it("tells the author who published or discarded their draft, and what it became", async () => {
    const wrenSocket = await deskSocket({ cookie: wren.cookie });
    await follow(wrenSocket);
    const draft = await draftBy(wren, "Water cut in two districts");

    const edited = next(wrenSocket, "draft:changed", (m) => m.draft.id === draft.id && m.draft.revision === 2);
    const edit = await send(server.url, `/api/stories/${STORY}/drafts/${draft.id}`, { method: "PATCH", cookie: editor.cookie, body: { body: "Water cut in three districts" } });
    expect(edit.status).toBe(200);
    expect((await edited).draft.body).toBe("Water cut in three districts");

    const closed = next(wrenSocket, "draft:closed", (m) => m.id === draft.id);
    const published = await send(server.url, `/api/stories/${STORY}/drafts/${draft.id}/publish`, { cookie: editor.cookie, body: undefined, method: "POST" });
    expect(published.status).toBe(201);
    expect(await closed).toEqual({ storyId: STORY, id: draft.id, outcome: "published", by: { name: "olena" }, at: expect.any(String), entryId: published.body.entry.id });

    const other = await draftBy(wren, "Bridge closed");
    const discarded = next(wrenSocket, "draft:closed", (m) => m.id === other.id);
    expect((await send(server.url, `/api/stories/${STORY}/drafts/${other.id}`, { method: "DELETE", cookie: editor.cookie })).status).toBe(204);
    expect(await discarded).toEqual({ storyId: STORY, id: other.id, outcome: "discarded", by: { name: "olena" }, at: expect.any(String) });

    // A desk that was away asks about the drafts it showed: it learns what became of them.
    const olgas = await draftBy(olga, "Not Wren's");
    await send(server.url, `/api/stories/${STORY}/drafts/${olgas.id}`, { method: "DELETE", cookie: editor.cookie });
    const back = await follow(wrenSocket, STORY, [draft.id, other.id, olgas.id]);
    expect(back.ok && back.closed.map((c) => [c.id, c.outcome, c.by.name])).toEqual([
      [draft.id, "published", "olena"],
      [other.id, "discarded", "olena"],
    ]);
  });

  it("drops a socket whose session was signed out, and its reconnect is told why", async () => {
    const cookie = sessionCookieOf(await signIn(server, "olena", editor.password));
    const socket = await deskSocket({ cookie });
    expect(await follow(socket)).toMatchObject({ ok: true });
    const dropped = new Promise((resolve) => socket.once("disconnect", resolve));
    expect((await send(server.url, "/api/session", { method: "DELETE", cookie })).status).toBe(204);
    expect(await dropped).toBe("io server disconnect");
    const refused = new Promise((resolve) => socket.once("connect_error", (error: Error & { data?: unknown }) => resolve(error.data)));
    socket.connect();
    expect(await refused).toEqual({ code: "session_expired", message: expect.any(String) });
  });

  it("answers bad follows with an error ack, not a crash", async () => {
    const socket = await deskSocket({ cookie: editor.cookie });
    const ack = (payload: unknown) => new Promise<DeskFollowAck>((resolve) => (socket.emit as (...a: unknown[]) => void)("follow", payload, resolve));
    expect(await ack({ storyId: "NOT A SLUG" })).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await ack({ storyId: STORY, known: ["x".repeat(5000)] })).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await ack(null)).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await ack({ storyId: "no-such-story" })).toMatchObject({ ok: false, error: { code: "story_not_found" } });
    expect(socket.connected).toBe(true);
    // The readers' per-socket event limit holds here too (SOCKET_EVENT_BURST, 100).
    const flood = await Promise.all(Array.from({ length: 110 }, () => ack({ storyId: "NOT A SLUG" })));
    expect(flood.filter((a) => !a.ok && a.error.code === "rate_limited").length).toBeGreaterThanOrEqual(10);
  });

  it("never gives a reader anything about drafts", async () => {
    const reader = server.socket();
    const events: string[] = [];
    reader.onAny((event: string) => events.push(event));
    await new Promise((resolve) => reader.emit("subscribe", { storyId: STORY }, resolve));
    const editorSocket = await deskSocket({ cookie: editor.cookie });
    await follow(editorSocket);
    const seen = next(editorSocket, "draft:changed", (m) => m.draft.body === "Readers must not see this");
    await draftBy(wren, "Readers must not see this");
    await seen;
    // The reader's subscribe ack came before the draft was written; a patch would come after it.
    await new Promise((resolve) => reader.emit("subscribe", { storyId: STORY }, resolve));
    expect(events.filter((e) => e !== "snapshot" && e !== "patch")).toEqual([]);
  });
});
