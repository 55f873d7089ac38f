import { io as connect } from "socket.io-client";
import { beforeAll, describe, expect, it } from "vitest";
import type { PresenceMessage } from "../../shared/desk-protocol.js";
import { send, sessionCookieOf } from "./accounts-helpers.js";
import { stopChild, type Child } from "./child-server.js";
import { useTwoDeskNodes, type DeskSocket } from "./desk-nodes.js";
import { TOKEN } from "./harness.js";
import { requireService } from "./services.js";

const ready = (await requireService("postgres")) && (await requireService("redis"));

/**
 * Presence and audience across nodes (issue 19): each node reports its editors and its readers
 * per story to the others through Redis; what every node shows converges, and a node that dies
 * (kill -9, no goodbye) drops out of the others' figures within a few seconds. Its own stream and
 * schema; Redis is never restarted.
 */
describe.skipIf(!ready)("presence and audience on two nodes (PostgreSQL and Redis)", () => {
  const STORY = "presence-nodes";
  const { nodes, sockets, deskSocket, follow } = useTwoDeskNodes("lt_presence", STORY);
  let a: Child;
  let b: Child;
  beforeAll(() => void ({ a, b } = nodes));
  const presence = (socket: DeskSocket, accept: (m: PresenceMessage) => boolean, what: string) =>
    new Promise<PresenceMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within 15 s`)), 15_000);
      const listener = (message: PresenceMessage) => {
        if (message.storyId !== STORY || !accept(message)) return;
        clearTimeout(timer);
        socket.off("presence", listener);
        resolve(message);
      };
      socket.on("presence", listener);
    });
  const names = (m: PresenceMessage) => m.editors.map((e) => e.name);
  const readersOn = async (node: Child) => (await send(node.url, `/api/stories/${STORY}/audience`, { bearer: TOKEN })).body.readers as number;
  /** Polls a node's audience until it answers `readers` (the others report every 2 s). */
  const readersBecome = async (node: Child, readers: number) => {
    for (let tries = 0; tries < 75 && (await readersOn(node)) !== readers; tries++) await new Promise((r) => setTimeout(r, 200));
    return readersOn(node);
  };
  const readers = async (node: Child, count: number) => {
    for (let i = 0; i < count; i++) {
      const socket = connect(node.url, { transports: ["websocket"], reconnection: false, forceNew: true });
      sockets.push(socket);
      const ack = await new Promise<{ ok: boolean }>((resolve) => socket.emit("subscribe", { storyId: STORY }, resolve));
      expect(ack.ok).toBe(true);
    }
  };

  it("shows the editors on either node to both, counts the readers on both, and forgets a node killed with -9", async () => {
    expect((await send(a.url, "/api/stories", { bearer: TOKEN, body: { id: STORY, title: "Two nodes" } })).status).toBe(201);
    const airforce = (await send(a.url, `/api/stories/${STORY}/entries`, { bearer: TOKEN, body: { body: "31 of 34 drones shot down." } })).body.entry.id as string;
    const created = await send(a.url, "/api/users", { bearer: TOKEN, body: { username: "olena", role: "editor", displayName: "Olena" } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const cookie = sessionCookieOf(await send(b.url, "/api/session", { body: { username: "olena", password: created.body.password } }));
    expect((await send(b.url, "/api/session/password", { cookie, body: { currentPassword: created.body.password, newPassword: "olena-own-password-42" } })).status).toBe(204);

    // The admin token ("Newsroom") on node A, Olena on node B.
    const newsroomOnA = await deskSocket(a, { authorization: `Bearer ${TOKEN}` });
    expect(await follow(newsroomOnA)).toMatchObject({ ok: true, presence: [{ name: "Newsroom" }] });
    const olenaSeenOnA = presence(newsroomOnA, (m) => names(m).includes("Olena"), "Olena on node A");
    const olenaOnB = await deskSocket(b, { cookie });
    const followed = await follow(olenaOnB);
    // Node B may not have heard from A yet when it answers; then the list comes as a message.
    if (!(followed.ok && followed.presence?.length === 2)) await presence(olenaOnB, (m) => m.editors.length === 2, "both on node B");
    expect(names(await olenaSeenOnA)).toEqual(["Newsroom", "Olena"]);

    const editingSeen = presence(newsroomOnA, (m) => m.editors.some((e) => e.name === "Olena" && e.editing.includes(airforce)), "Olena editing, on node A");
    olenaOnB.emit("editing", { storyId: STORY, entryId: airforce });
    await editingSeen;

    await readers(a, 2);
    await readers(b, 3);
    expect(await readersBecome(a, 5)).toBe(5);
    expect(await readersBecome(b, 5)).toBe(5);

    // Node B dies without a word: node A drops its editor and its readers once its reports stop.
    const olenaGone = presence(newsroomOnA, (m) => !names(m).includes("Olena"), "Olena's node expiring");
    await stopChild(b.process, "SIGKILL");
    expect(names(await olenaGone)).toEqual(["Newsroom"]);
    expect(await readersBecome(a, 2)).toBe(2);
  }, 90_000);
});
