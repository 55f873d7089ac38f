import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DESK_NAMESPACE, type DeskClientToServerEvents, type DeskEditingAck, type DeskFollowAck, type DeskServerToClientEvents, type PresenceMessage } from "../../shared/desk-protocol.js";
import { serverWithAccounts, type Account } from "./accounts-helpers.js";
import type { TestServer } from "./harness.js";

type DeskSocket = Socket<DeskServerToClientEvents, DeskClientToServerEvents>;

/**
 * Who is on the story (issue 19), on one node: editors and admins who follow a story on the `/desk`
 * channel see each other and what each is editing, as it changes; contributors neither see it nor
 * appear in it; readers cannot connect to it at all.
 */
describe("presence on the desk", () => {
  let server: TestServer;
  let olena: Account;
  let taras: Account;
  let wren: Account;
  const STORY = "presence";
  const open: Socket[] = [];
  /** A published entry's id: what an editor can say they edit. */
  let airforce: string;

  const deskSocket = (account: Account): Promise<DeskSocket> =>
    new Promise((resolve, reject) => {
      const socket: DeskSocket = connect(server.url + DESK_NAMESPACE, { transports: ["websocket"], extraHeaders: { cookie: account.cookie }, reconnection: false, forceNew: true });
      open.push(socket);
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", reject);
    });
  const follow = (socket: DeskSocket) => new Promise<DeskFollowAck>((resolve) => socket.emit("follow", { storyId: STORY }, resolve));
  const editing = (socket: DeskSocket, entryId: unknown, storyId: string = STORY) =>
    new Promise<DeskEditingAck>((resolve) => (socket.emit as (...a: unknown[]) => void)("editing", { storyId, entryId }, resolve));
  /** Resolves with the first presence message on the story that `accept` takes. */
  const presence = (socket: DeskSocket, accept: (m: PresenceMessage) => boolean) =>
    new Promise<PresenceMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no such presence within 5 s")), 5_000);
      const listener = (message: PresenceMessage) => {
        if (message.storyId !== STORY || !accept(message)) return;
        clearTimeout(timer);
        socket.off("presence", listener);
        resolve(message);
      };
      socket.on("presence", listener);
    });
  const names = (m: { editors: { name: string }[] }) => m.editors.map((e) => e.name);

  beforeAll(async () => {
    ({ server, accounts: [olena, taras, wren] } = await serverWithAccounts({ id: STORY, title: "Presence" }, [
      ["olena", "editor"],
      ["taras", "admin"],
      ["wren", "contributor"],
    ]));
    const posted = await server.api(`/api/stories/${STORY}/entries`, { body: { headline: "Air force tally", body: "31 of 34 drones shot down." } });
    airforce = ((await posted.json()) as { entry: { id: string } }).entry.id;
  });
  afterAll(async () => {
    for (const socket of open) socket.disconnect();
    await server.close();
  });

  it("shows editors to each other as they open the story, with what each edits, and drops them when they go", async () => {
    const olenaSocket = await deskSocket(olena);
    const first = await follow(olenaSocket);
    expect(first.ok && first.presence).toEqual([{ id: olena.id, name: "olena", login: "olena", editing: [] }]);

    const tarasArrives = presence(olenaSocket, (m) => m.editors.length === 2);
    const tarasSocket = await deskSocket(taras);
    const second = await follow(tarasSocket);
    expect(second.ok && second.presence && names({ editors: second.presence })).toEqual(["olena", "taras"]);
    expect(names(await tarasArrives)).toEqual(["olena", "taras"]);

    // A second tab of Olena's is the same editor: the list does not change, and that tab learns it from its ack.
    const olenaTab = await deskSocket(olena);
    const third = await follow(olenaTab);
    expect(third.ok && third.presence && names({ editors: third.presence })).toEqual(["olena", "taras"]);

    const editsNow = presence(olenaSocket, (m) => m.editors.some((e) => e.editing.length > 0));
    expect(await editing(tarasSocket, airforce)).toEqual({ ok: true });
    expect((await editsNow).editors).toEqual([
      { id: olena.id, name: "olena", login: "olena", editing: [] },
      { id: taras.id, name: "taras", login: "taras", editing: [airforce] },
    ]);
    const stopped = presence(olenaSocket, (m) => m.editors.every((e) => e.editing.length === 0));
    expect(await editing(tarasSocket, null)).toEqual({ ok: true });
    await stopped;

    // Closing the tab (the socket goes) removes Taras at once, not at some timeout.
    const gone = presence(olenaSocket, (m) => m.editors.length === 1);
    tarasSocket.disconnect();
    expect(names(await gone)).toEqual(["olena"]);
  });

  it("keeps contributors out of it: they neither appear nor hear, nor say what they edit", async () => {
    const olenaSocket = await deskSocket(olena);
    await follow(olenaSocket);
    const wrenSocket = await deskSocket(wren);
    const heard: string[] = [];
    wrenSocket.on("presence", (m) => heard.push(names(m).join()));
    const ack = await follow(wrenSocket);
    expect(ack).toMatchObject({ ok: true });
    expect(ack.ok && "presence" in ack).toBe(false);
    expect(await editing(wrenSocket, airforce)).toMatchObject({ ok: false, error: { code: "forbidden" } });

    // A change after Wren followed: Olena hears it, Wren does not, and Wren is in no list.
    const tarasSocket = await deskSocket(taras);
    const seen = presence(olenaSocket, (m) => names(m).includes("taras"));
    await follow(tarasSocket);
    expect(names(await seen)).not.toContain("wren");
    tarasSocket.disconnect();
    await presence(olenaSocket, (m) => !names(m).includes("taras"));
    expect(heard).toEqual([]);
  });

  it("answers bad editing messages with an error ack", async () => {
    const socket = await deskSocket(olena);
    expect(await editing(socket, "e_notfollowed")).toMatchObject({ ok: false, error: { code: "not_following" } });
    await follow(socket);
    expect(await editing(socket, "not an entry id")).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await editing(socket, "e_fine1", "NOT A SLUG")).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await editing(socket, "e_fine1", "other-story")).toMatchObject({ ok: false, error: { code: "not_following" } });
    // An id the story does not have (never had, or removed) is not shown to the other editors.
    expect(await editing(socket, "e_madeup1")).toMatchObject({ ok: false, error: { code: "entry_not_found" } });
    expect(await editing(socket, airforce)).toEqual({ ok: true });
    expect(socket.connected).toBe(true);
  });

  it("never lets a reader hear presence or into the desk's channel", async () => {
    const reader = server.socket();
    const events: string[] = [];
    reader.onAny((event: string) => events.push(event));
    await new Promise((resolve) => reader.emit("subscribe", { storyId: STORY }, resolve));
    const olenaSocket = await deskSocket(olena);
    await follow(olenaSocket);
    const tarasSocket = await deskSocket(taras);
    const seen = presence(olenaSocket, (m) => names(m).includes("taras"));
    await follow(tarasSocket);
    await editing(tarasSocket, airforce);
    await seen;
    await new Promise((resolve) => reader.emit("subscribe", { storyId: STORY }, resolve));
    expect(events.filter((e) => e !== "snapshot" && e !== "patch")).toEqual([]);
    // A reader's connection (no credentials) is refused by /desk.
    const refused = await new Promise<unknown>((resolve) => {
      const socket = connect(server.url + DESK_NAMESPACE, { transports: ["websocket"], reconnection: false, forceNew: true });
      open.push(socket);
      socket.once("connect", () => resolve("connected"));
      socket.once("connect_error", (error: Error & { data?: unknown }) => resolve(error.data));
    });
    expect(refused).toMatchObject({ code: "unauthorized" });
  });
});
