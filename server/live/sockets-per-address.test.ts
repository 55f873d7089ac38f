/**
 * live/sockets-per-address.ts without sockets: counting connections per client address, freeing
 * a place when one closes, X-Forwarded-For believed only from a trusted proxy, and one log line
 * per address that hits the limit. (The refusal over real sockets is in hostile-limits.test.ts.)
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

function counter(max: number, trust: string[] = []) {
  const lines: string[] = [];
  const log = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
  return { limit: new SocketsPerAddress(max, proxyaddr.compile(trust), log), lines };
}

/** Admits and tracks a connection as app.ts does; undefined when refused. */
function open(limit: SocketsPerAddress, req: IncomingMessage): Connection | undefined {
  if (!limit.admits(req)) return undefined;
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
    expect(limit.admits(request("198.51.100.3"))).toBe(false);
    connection.emit("close");
    expect(limit.admits(request("198.51.100.3"))).toBe(true);
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
});
