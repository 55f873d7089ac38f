/**
 * live/sockets-per-address.ts without sockets: counting connections per client address, freeing
 * a place when one closes, X-Forwarded-For believed only from a trusted proxy, one log line
 * per address that hits the limit, and the address's rates of new connections and subscriptions
 * on a fake clock. (The refusal over real sockets is in hostile-limits.test.ts and hostile-attack-sockets.test.ts.)
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { SocketsPerAddress, type EngineConnection } from "./sockets-per-address.js";

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, connection: { remoteAddress }, headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {} }) as unknown as IncomingMessage;

class Connection extends EventEmitter implements EngineConnection {
  constructor(public request: IncomingMessage | null) {
    super();
  }
}

const UNLIMITED = { connectBurstPerAddress: 1e6, connectsPerMinutePerAddress: 1e6, subscribeBurstPerAddress: 1e6, subscribesPerMinutePerAddress: 1e6 };

function counter(max: number, trust: string[] = [], rates: Partial<typeof UNLIMITED> = {}) {
  const lines: string[] = [];
  const log = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
  const clock = { now: 0 };
  const limit = new SocketsPerAddress({ socketsPerAddress: max, ...UNLIMITED, ...rates }, proxyaddr.compile(trust), log, () => clock.now);
  return { limit, lines, clock };
}

/** Admits and tracks a connection as app.ts does; undefined when refused. */
function open(limit: SocketsPerAddress, req: IncomingMessage): Connection | undefined {
  if (limit.refusal(req)) return undefined;
  const connection = new Connection(req);
  limit.track(connection);
  return connection;
}

describe("SocketsPerAddress", () => {
  it("admits MAX_SOCKETS_PER_IP connections from one address, then none until one closes", () => {
    const { limit } = counter(2);
    const first = open(limit, request("198.51.100.1"));
    expect(open(limit, request("198.51.100.1"))).toBeDefined();
    expect(open(limit, request("198.51.100.1"))).toBeUndefined();
    expect(open(limit, request("198.51.100.2"))).toBeDefined(); // another address has its own count
    first!.emit("close");
    expect(open(limit, request("198.51.100.1"))).toBeDefined();
    expect(open(limit, request("198.51.100.1"))).toBeUndefined();
  });

  it("counts a connection under the address it opened from, even once its request is dropped", () => {
    const { limit } = counter(1);
    const connection = open(limit, request("198.51.100.3"))!;
    connection.request = null; // app.ts lets go of the upgrade request once counted
    expect(limit.refusal(request("198.51.100.3"))?.code).toBe("too_many_connections");
    connection.emit("close");
    expect(limit.refusal(request("198.51.100.3"))).toBeUndefined();
  });

  it("ignores X-Forwarded-For from an untrusted peer: every reader behind it is the proxy", () => {
    const { limit } = counter(1);
    expect(open(limit, request("10.0.0.9", "203.0.113.1"))).toBeDefined();
    expect(open(limit, request("10.0.0.9", "203.0.113.2"))).toBeUndefined();
  });

  it("believes X-Forwarded-For from a trusted proxy: each client address counts apart", () => {
    const { limit } = counter(1, ["loopback"]);
    expect(open(limit, request("127.0.0.1", "203.0.113.1"))).toBeDefined();
    expect(open(limit, request("127.0.0.1", "203.0.113.2"))).toBeDefined();
    expect(open(limit, request("127.0.0.1", "203.0.113.1"))).toBeUndefined();
  });

  it("logs one warning per address at the limit, and again after it had room", () => {
    const { limit, lines } = counter(1);
    const connection = open(limit, request("198.51.100.4"))!;
    for (let i = 0; i < 5; i++) open(limit, request("198.51.100.4"));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 40,
      address: "198.51.100.4",
      max: 1,
      msg: "refusing sockets from an address at MAX_SOCKETS_PER_IP (behind a proxy, set TRUST_PROXY)",
    });
    connection.emit("close");
    open(limit, request("198.51.100.4"));
    open(limit, request("198.51.100.4"));
    expect(lines).toHaveLength(2);
  });

  it("budgets an address's new connections: a burst, then a steady rate, and says how long to wait", () => {
    const { limit, clock } = counter(1000, [], { connectBurstPerAddress: 3, connectsPerMinutePerAddress: 60 });
    for (let i = 0; i < 3; i++) expect(open(limit, request("198.51.100.5"))).toBeDefined();
    expect(limit.refusal(request("198.51.100.5"))).toEqual({
      code: "rate_limited",
      message: "Too many new connections from this address; retry in 1 s.",
      details: { retryAfter: 1 },
    });
    expect(open(limit, request("198.51.100.6"))).toBeDefined(); // another address has its own budget
    clock.now = 1_000;
    expect(open(limit, request("198.51.100.5"))).toBeDefined();
    expect(open(limit, request("198.51.100.5"))).toBeUndefined();
  });

  it("budgets an address's subscriptions across all its connections, a handshake's all or none", () => {
    const { limit, clock } = counter(1000, [], { subscribeBurstPerAddress: 50, subscribesPerMinutePerAddress: 600 });
    const first = open(limit, request("198.51.100.7"))!;
    const second = open(limit, request("198.51.100.7"))!;
    expect(limit.subscriptions(first, 30)).toBe(0);
    expect(limit.subscriptions(second, 30)).toBe(1_000); // 20 left: none taken, 10 more need 1 s
    expect(limit.subscriptions(second, 20)).toBe(0);
    expect(limit.subscriptions(first, 1)).toBe(100);
    clock.now = 100;
    expect(limit.subscriptions(first, 1)).toBe(0);
    expect(limit.addressOf(second)).toBe("198.51.100.7");
    // A connection it never counted (a test's bare handler) is not budgeted.
    expect(limit.subscriptions(new Connection(null), 1000)).toBe(0);
  });
});
