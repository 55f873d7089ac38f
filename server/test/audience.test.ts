import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AudienceResponse } from "../../shared/api.js";
import { expectError, send, serverWithAccounts, type Account } from "./accounts-helpers.js";
import { TOKEN, type TestServer } from "./harness.js";
import { scrape } from "./scrape.js";

/**
 * How many are reading (issue 19), on one node: `GET /api/stories/:id/audience` counts the sockets
 * subscribed to the story, for editors and admins only, with samples for the desk's sparkline; and
 * /metrics shows the same per story.
 */
describe("a story's audience", () => {
  let server: TestServer;
  let eddie: Account;
  let connie: Account;
  const STORY = "audience";
  const SAMPLE_MS = 100;

  const audience = async (storyId = STORY) => {
    const reply = await send(server.url, `/api/stories/${storyId}/audience`, { cookie: eddie.cookie });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body as AudienceResponse;
  };
  const subscribed = async (storyId = STORY) => {
    const socket = server.socket();
    const ack = await new Promise<{ ok: boolean }>((resolve) => socket.emit("subscribe", { storyId }, resolve));
    expect(ack.ok).toBe(true);
    return socket;
  };
  /** Polls until the audience answers `readers` (a leaving socket is counted off when its close reaches the server). */
  const readersBecome = async (readers: number) => {
    for (let tries = 0; tries < 100 && (await audience()).readers !== readers; tries++) await new Promise((r) => setTimeout(r, 50));
    return (await audience()).readers;
  };

  beforeAll(async () => {
    ({ server, accounts: [eddie, connie] } = await serverWithAccounts({ id: STORY, title: "Audience" }, [
      ["eddie", "editor"],
      ["connie", "contributor"],
    ], { audienceSampleMs: SAMPLE_MS }));
    expect((await server.api("/api/stories", { body: { id: "quiet", title: "Quiet" } })).status).toBe(201);
  });
  afterAll(() => server.close());

  it("is for editors and admins only", async () => {
    expectError(await send(server.url, `/api/stories/${STORY}/audience`), 401, "unauthorized");
    expectError(await send(server.url, `/api/stories/${STORY}/audience`, { bearer: "not-a-token" }), 401, "unauthorized");
    expectError(await send(server.url, `/api/stories/${STORY}/audience`, { cookie: connie.cookie }), 403, "forbidden");
    expectError(await send(server.url, "/api/stories/no-such-story/audience", { cookie: eddie.cookie }), 404, "story_not_found");
    expectError(await send(server.url, "/api/stories/NOT_A_SLUG/audience", { cookie: eddie.cookie }), 400, "invalid_story_id");
    expect((await send(server.url, `/api/stories/${STORY}/audience`, { bearer: TOKEN })).status).toBe(200);
  });

  it("counts the sockets subscribed to the story, as they come and go, with an hour of samples", async () => {
    expect(await audience()).toMatchObject({ storyId: STORY, readers: 0, sampleMs: SAMPLE_MS });
    const readers = await Promise.all([subscribed(), subscribed(), subscribed()]);
    const elsewhere = await subscribed("quiet");
    expect(await readersBecome(3)).toBe(3);
    expect((await audience("quiet")).readers).toBe(1);

    readers[0]!.disconnect();
    readers[1]!.emit("unsubscribe", { storyId: STORY });
    expect(await readersBecome(1)).toBe(1);

    // Sampled every SAMPLE_MS here (a minute in production): the line shows the readers' rise and fall.
    await new Promise((r) => setTimeout(r, 4 * SAMPLE_MS));
    const { samples } = await audience();
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.every((s, i) => i === 0 || s.at > samples[i - 1]!.at)).toBe(true);
    expect(samples.at(-1)!.readers).toBe(1);
    elsewhere.disconnect();
  });

  it("shows each story's readers in /metrics", async () => {
    const socket = await subscribed();
    const now = (await audience()).readers;
    const metrics = await scrape(server.url);
    expect(metrics.value("live_ticker_story_readers", { story: STORY })).toBe(now);
    expect(metrics.value("live_ticker_story_readers", { story: "no-such-story" })).toBeUndefined();
    socket.disconnect();
  });
});
