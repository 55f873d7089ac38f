/**
 * Every limit of README "Limits", each on a server of its own with small numbers: body size,
 * entries and stories (also under concurrent writers), sign-in lockout, write rate, subscriptions
 * and events per socket, sockets per address (with and without a trusted proxy).
 */
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterAll, describe, expect, it, vi } from "vitest";
import { connectLive, followStory } from "../../client/lib/live-client.js";
import type { ErrorBody } from "../../shared/api.js";
import type { Ack } from "../../shared/protocol.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { createAccount } from "../auth/accounts-service.js";
import { verifications } from "./argon2-count.js";
import { startServer, type TestServer } from "./harness.js";
import { expectError, expectErrorAck, expectUnchanged, getJson } from "./hostile-assertions.js";

import { JSON_TYPE, STORY } from "./hostile-server.js";

vi.mock("@node-rs/argon2", async (original) => (await import("./argon2-count.js")).counting(await original()));

// ---------------------------------------------------------------------------------------------
// Limits (README "Limits"), each on a server of its own with small numbers
// ---------------------------------------------------------------------------------------------

describe("limits", () => {
  const servers: TestServer[] = [];
  const start = async (env: Record<string, string>) => {
    const started = await startServer({ env });
    servers.push(started);
    return started;
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it("MAX_JSON_BODY_BYTES=4096: a 5 KB body is 413 payload_too_large, a 3 KB one is taken", async () => {
    const small = await start({ MAX_JSON_BODY_BYTES: "4096" });
    expect((await small.api("/api/stories", { body: { id: "s", title: "S" } })).status).toBe(201);
    await expectUnchanged(small, async () => {
      await expectError(await small.api("/api/stories/s/entries", { body: { body: "b".repeat(5 * 1024) } }), 413, "payload_too_large");
    });
    expect((await small.api("/api/stories/s/entries", { body: { body: "b".repeat(3 * 1024) } })).status).toBe(201);
  });

  it("MAX_ENTRIES_PER_STORY=3: a 4th entry is 409 too_many_entries, an edit is not, a removal makes room", async () => {
    const capped = await start({ MAX_ENTRIES_PER_STORY: "3" });
    await capped.api("/api/stories", { body: { id: "s", title: "S" } });
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push(((await (await capped.api("/api/stories/s/entries", { body: { body: `${n}` } })).json()) as { entry: Entry }).entry.id);
    await expectUnchanged(capped, async () => {
      const error = await expectError(await capped.api("/api/stories/s/entries", { body: { body: "one too many" } }), 409, "too_many_entries");
      expect(error.message).toContain("3");
    });
    expect((await capped.api(`/api/stories/s/entries/${ids[0]}`, { method: "PATCH", body: { body: "edited" } })).status).toBe(200);
    expect((await capped.api(`/api/stories/s/entries/${ids[1]}`, { method: "DELETE" })).status).toBe(200);
    expect((await capped.api("/api/stories/s/entries", { body: { body: "room again" } })).status).toBe(201);
  });

  it("MAX_ENTRIES_PER_STORY under 10 concurrent writers: exactly the 2 places left are taken", async () => {
    const capped = await start({ MAX_ENTRIES_PER_STORY: "4" });
    await capped.api("/api/stories", { body: { id: "s", title: "S" } });
    for (let n = 0; n < 2; n++) await capped.api("/api/stories/s/entries", { body: { body: `${n}` } });
    const replies = await Promise.all(Array.from({ length: 10 }, (_, n) => capped.api("/api/stories/s/entries", { body: { body: `racer ${n}` } })));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 201, ...Array(8).fill(409)]);
    const latest = (await getJson(capped, "/api/stories/s")) as unknown as Snapshot;
    expect(Object.keys(latest.entries)).toHaveLength(4);
    expect(latest.version).toBe(5);
  });

  it("MAX_STORIES=2: a 3rd story is 409 too_many_stories, with or without an id", async () => {
    const capped = await start({ MAX_STORIES: "2" });
    for (const id of ["a", "b"]) expect((await capped.api("/api/stories", { body: { id, title: id } })).status).toBe(201);
    await expectUnchanged(capped, async () => {
      await expectError(await capped.api("/api/stories", { body: { id: "c", title: "C" } }), 409, "too_many_stories");
      await expectError(await capped.api("/api/stories", { body: { title: "No id given" } }), 409, "too_many_stories");
      await expectError(await capped.api("/api/stories", { body: { id: "a", title: "Taken" } }), 409, "story_exists");
    });
    expect((await capped.api("/api/stories/a/entries", { body: { body: "existing stories still take writes" } })).status).toBe(201);
  });

  it("LOGIN_FAILURES_PER_ACCOUNT=3: of 20 wrong passwords sent at once, at most 3 are checked, the others are 429", async () => {
    const locked = await start({ LOGIN_FAILURES_PER_ACCOUNT: "3" });
    const { password } = await createAccount(locked.app.store.accounts, "target", "editor");
    const signIn = (guess: string) =>
      fetch(`${locked.url}/api/session`, { method: "POST", headers: { ...JSON_TYPE, "sec-fetch-site": "same-origin" }, body: JSON.stringify({ username: "target", password: guess }) });
    const before = verifications();
    const replies = await Promise.all(Array.from({ length: 20 }, (_, n) => signIn(`guess-number-${n}`)));
    const statuses = replies.map((reply) => reply.status);
    const checked = statuses.filter((status) => status === 401).length;
    expect(checked, `statuses ${statuses}`).toBeGreaterThan(0);
    expect(checked, `statuses ${statuses}`).toBeLessThanOrEqual(3);
    // Checked means argon2 ran: the 429s were refused before it, not after.
    expect(verifications() - before, `argon2 verifications for statuses ${statuses}`).toBe(checked);
    for (const reply of replies) await expectError(reply, reply.status, reply.status === 401 ? "invalid_credentials" : "rate_limited");
    // The right password, sent after, is refused too (and not verified): the guesses used up the name's attempts from here.
    await expectError(await signIn(password), 429, "rate_limited");
    expect(verifications() - before, "argon2 verifications, the locked right password included").toBe(checked);
  });

  it("WRITES_PER_MINUTE=3: the 4th write is 429 rate_limited with Retry-After, reads go on, nothing is written", async () => {
    const limited = await start({ WRITES_PER_MINUTE: "3" });
    await limited.api("/api/stories", { body: { id: "s", title: "S" } });
    for (let n = 0; n < 2; n++) expect((await limited.api("/api/stories/s/entries", { body: { body: `${n}` } })).status).toBe(201);
    await expectUnchanged(limited, async () => {
      for (const send of [
        () => limited.api("/api/stories/s/entries", { body: { body: "one too many" } }),
        () => limited.api("/api/stories/s", { method: "PATCH", body: { title: "Renamed" }, headers: { "idempotency-key": "k1" } }),
        () => limited.api("/api/stories/s/entries/e_abcdefgh", { method: "DELETE" }),
      ]) {
        const res = await send();
        const retryAfter = Number(res.headers.get("retry-after"));
        const error = await expectError(res, 429, "rate_limited");
        expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
        expect(error.details).toEqual({ retryAfter });
      }
      expect((await limited.api("/api/stories/s", { auth: false })).status).toBe(200);
      // Requests without credentials are not the account's: they get their 401, not a 429.
      await expectError(await limited.api("/api/stories/s/entries", { body: { body: "x" }, auth: false }), 401, "unauthorized");
    });
  });

  it("MAX_SUBSCRIPTIONS_PER_SOCKET=20: 5000 subscribes from one socket over 25 stories get 20 and an answer each", async () => {
    const capped = await start({ MAX_SUBSCRIPTIONS_PER_SOCKET: "20", SOCKET_EVENT_BURST: "5000", IP_SUBSCRIBE_BURST: "5000" });
    for (let n = 0; n < 25; n++) await capped.app.service.createStory({ id: `s${n}`, title: `S${n}` }, { author: { name: "Desk" } });
    const socket = connect(capped.url, { transports: ["websocket"], reconnection: false });
    try {
      const acks = await expectUnchanged(capped, () =>
        Promise.all(Array.from({ length: 5000 }, (_, n) => socket.timeout(60_000).emitWithAck("subscribe", { storyId: `s${n % 25}` }) as Promise<Ack>)),
      );
      const codes = (n: number) => new Set(acks.filter((_, i) => i % 25 === n).map((a) => (a.ok ? "ok" : a.error.code)));
      for (let n = 0; n < 20; n++) {
        expect(acks.findLast((_, i) => i % 25 === n)?.ok).toBe(true); // the last subscribe of a story wins
        expect([...codes(n)].every((code) => code === "ok" || code === "cancelled")).toBe(true);
      }
      for (let n = 20; n < 25; n++) expect(codes(n)).toEqual(new Set(["too_many_subscriptions"]));
      expect(capped.app.followed(socket.id!).sort()).toEqual(Array.from({ length: 20 }, (_, n) => `s${n}`).sort());
      expect(socket.connected).toBe(true);
    } finally {
      socket.disconnect();
    }
  });

  it("SOCKET_EVENT_BURST=5, SOCKET_EVENTS_PER_MINUTE=60: the 6th event at once is rate_limited and does nothing; the bucket refills; other sockets go on", async () => {
    const limited = await start({ SOCKET_EVENT_BURST: "5", SOCKET_EVENTS_PER_MINUTE: "60" });
    for (const id of ["a", "b"]) await limited.app.service.createStory({ id, title: id }, { author: { name: "Desk" } });
    const socket = connect(limited.url, { transports: ["websocket"], reconnection: false });
    const other = connect(limited.url, { transports: ["websocket"], reconnection: false });
    const followed = () => limited.app.followed(socket.id!);
    try {
      await expectUnchanged(limited, async () => {
        const acks = (await Promise.all(Array.from({ length: 5 }, () => socket.timeout(5000).emitWithAck("subscribe", { storyId: "a", version: 1 })))) as Ack[];
        expect(acks.at(-1)).toEqual({ ok: true, version: 1 });
        socket.emit("subscribe", { storyId: "b" }); // without an ack: dropped all the same
        for (const event of ["subscribe", "unsubscribe"] as const) {
          const ack: unknown = await socket.timeout(5000).emitWithAck(event, { storyId: "b" });
          expectErrorAck(ack, "rate_limited");
          expect((ack as { error: { details: unknown } }).error.details).toEqual({ retryAfter: 1 });
        }
        expect(followed()).toEqual(["a"]); // events of one socket are handled in order
        expect(await other.timeout(5000).emitWithAck("subscribe", { storyId: "b" })).toEqual({ ok: true, version: 1 });
      });
      await new Promise((resolve) => setTimeout(resolve, 1100)); // one token back
      expect(await socket.timeout(5000).emitWithAck("subscribe", { storyId: "b" })).toEqual({ ok: true, version: 1 });
      expect(followed().sort()).toEqual(["a", "b"]);
      expect(socket.connected).toBe(true);
    } finally {
      socket.disconnect();
      other.disconnect();
    }
  });

  describe("MAX_SOCKETS_PER_IP=3", () => {
    /** What our client library reports (onError) when the server turns its connection away. */
    const refusal = (base: string, transport: "websocket" | "polling") =>
      new Promise<ErrorBody>((resolve, reject) => {
        const socket = connectLive(base, { transports: [transport], reconnection: false });
        const follow = followStory(socket, STORY, {
          onError: (error) => {
            follow.stop();
            socket.disconnect();
            resolve(error);
          },
        });
        socket.once("connect", () => reject(new Error("connected")));
      });
    const open = (base: string, headers: Record<string, string> = {}) =>
      new Promise<ClientSocket>((resolve, reject) => {
        const socket = connect(base, { transports: ["websocket"], reconnection: false, extraHeaders: headers });
        socket.once("connect", () => resolve(socket));
        socket.once("connect_error", (error) => {
          socket.disconnect();
          reject(error);
        });
      });

    it("refuses a 4th socket from one address with a reason the client library reports, holds nothing for it, and takes one again once a socket closes", async () => {
      const capped = await start({ MAX_SOCKETS_PER_IP: "3" });
      const sockets = await Promise.all([open(capped.url), open(capped.url), open(capped.url)]);
      await expectUnchanged(capped, async () => {
        await expect(open(capped.url)).rejects.toThrow("Too many connections from this address.");
        for (const transport of ["websocket", "polling"] as const) {
          expect(await refusal(capped.url, transport)).toEqual({ code: "too_many_connections", message: "Too many connections from this address." });
        }
        // Closed by the server at once, not left to time out: only the 3 admitted remain.
        await expect.poll(() => capped.app.io.engine.clientsCount).toBe(3);
        // A refused polling client that never polls for its refusal is not waited for either (the heartbeat would take 45 s).
        const handshake = await fetch(`${capped.url}/socket.io/?EIO=4&transport=polling`);
        expect(handshake.status).toBe(200);
        await handshake.text();
        expect(capped.app.io.engine.clientsCount).toBe(4);
        await expect.poll(() => capped.app.io.engine.clientsCount, { timeout: 15_000 }).toBe(3);
      });
      sockets[0]!.disconnect();
      await expect.poll(() => open(capped.url).then((s) => (sockets.push(s), true), () => false), { timeout: 10_000 }).toBe(true);
      for (const socket of sockets) socket.disconnect();
    });

    it("a follower refused for a full address tries again, and gets in once a socket closes", async () => {
      const capped = await start({ MAX_SOCKETS_PER_IP: "3" });
      await capped.app.service.createStory({ id: "s", title: "S" }, { author: { name: "Desk" } });
      const sockets = await Promise.all([open(capped.url), open(capped.url), open(capped.url)]);
      const errors: string[] = [];
      const socket = connectLive(capped.url, { transports: ["websocket"], reconnectionDelayMax: 100 });
      const follow = followStory(socket, "s", { onError: (error) => errors.push(error.code) });
      try {
        await expect.poll(() => errors.length).toBeGreaterThanOrEqual(2); // refused, retried, refused again
        expect(new Set(errors)).toEqual(new Set(["too_many_connections"]));
        sockets[0]!.disconnect();
        await expect.poll(() => follow.follower.version, { timeout: 10_000 }).toBe(1);
      } finally {
        follow.stop();
        socket.disconnect();
        for (const s of sockets) s.disconnect();
      }
    });

    it("counts X-Forwarded-For only from a trusted proxy", async () => {
      const untrusted = await start({ MAX_SOCKETS_PER_IP: "3" });
      const spoofed = await Promise.all([1, 2, 3].map((n) => open(untrusted.url, { "x-forwarded-for": `203.0.113.${n}` })));
      await expectUnchanged(untrusted, () => expect(open(untrusted.url, { "x-forwarded-for": "203.0.113.4" })).rejects.toThrow());

      const proxied = await start({ MAX_SOCKETS_PER_IP: "3", TRUST_PROXY: "loopback" });
      const behindProxy = await Promise.all([1, 2, 3].map(() => open(proxied.url, { "x-forwarded-for": "198.51.100.1" })));
      await expectUnchanged(proxied, () => expect(open(proxied.url, { "x-forwarded-for": "198.51.100.1" })).rejects.toThrow());
      const another = await open(proxied.url, { "x-forwarded-for": "198.51.100.2" });
      for (const socket of [...spoofed, ...behindProxy, another]) socket.disconnect();
    });
  });
});
