/**
 * With REDIS_URL the rate limits are counted in Redis, so they hold across nodes (README
 * "Limits"): two in-process nodes on the real Redis share the write budget of an account and the
 * sign-in lockout, also for guesses sent to both at once; a node whose Redis is gone still limits, on its own.
 */
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { RateLimiterRes } from "rate-limiter-flexible";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis, type RedisClient } from "../live/cluster.js";
import { rateLimiters } from "../rate-limiters.js";
import { startServer, type TestServer } from "./harness.js";
import { redisUrl, requireService } from "./services.js";

const hasRedis = await requireService("redis");
const log = pino({ level: "silent" });

describe.skipIf(!hasRedis)("limits shared through Redis", () => {
  const stream = `live-ticker-test-limits-${randomBytes(4).toString("hex")}`;
  const env = { REDIS_STREAM: stream, WRITES_PER_MINUTE: "4", LOGIN_FAILURES_PER_ACCOUNT: "2" };
  let nodes: TestServer[];

  beforeAll(async () => {
    nodes = await Promise.all([0, 1].map(async () => startServer({ env, redis: await connectRedis(redisUrl(), log) })));
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.close()));
    const redis = await connectRedis(redisUrl(), log);
    const keys = await redis.keys(`${stream}*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.quit();
  });

  it("counts an account's writes on every node: the 5th of 4 a minute is refused wherever it lands", async () => {
    const create = (node: TestServer, n: number) => node.api("/api/stories", { body: { id: `shared-${n}`, title: `Story ${n}` } });
    for (let n = 0; n < 4; n++) expect((await create(nodes[n % 2]!, n)).status).toBe(201);
    for (const node of nodes) {
      const refused = await create(node, 9);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect((await node.api("/api/stories/shared-9", { auth: false })).status).toBe(404);
    }
  });

  it("locks a name after failures on different nodes", async () => {
    const signIn = (node: TestServer) =>
      fetch(`${node.url}/api/session`, {
        method: "POST",
        headers: { "content-type": "application/json", "sec-fetch-site": "same-origin" },
        body: JSON.stringify({ username: "ghost", password: "not-the-password" }),
      });
    expect((await signIn(nodes[0]!)).status).toBe(401);
    expect((await signIn(nodes[1]!)).status).toBe(401);
    const locked = await signIn(nodes[0]!);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(60);
  });

  it("checks at most 2 of 15 wrong passwords sent together to both nodes: the others are 429", async () => {
    const replies = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        fetch(`${nodes[i % 2]!.url}/api/session`, {
          method: "POST",
          headers: { "content-type": "application/json", "sec-fetch-site": "same-origin" },
          body: JSON.stringify({ username: "phantom", password: `parallel-guess-${i}` }),
        }),
      ),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 401).length, `statuses ${statuses}`).toBeLessThanOrEqual(2);
    expect(statuses.filter((status) => status === 401).length, `statuses ${statuses}`).toBeGreaterThan(0);
    expect(statuses.filter((status) => status !== 401).every((status) => status === 429), `statuses ${statuses}`).toBe(true);
  });

  it("keeps limiting on this node alone while Redis is unreachable", async () => {
    const redis: RedisClient = await connectRedis(redisUrl(), log);
    await redis.quit();
    const limiter = rateLimiters({ redis, prefix: stream })("outage", { points: 2, duration: 60 });
    await limiter.consume("someone");
    await limiter.consume("someone");
    await expect(limiter.consume("someone")).rejects.toBeInstanceOf(RateLimiterRes);
  });
});
