import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";
import type { Logger } from "pino";
import type { ConnectionRefusal } from "../../shared/protocol.js";
import type { Limits } from "../config.js";
import { AddressBuckets } from "./address-buckets.js";

/** Express's compiled `trust proxy` setting: whether the hop at `index` may name the client. */
export type TrustProxy = (address: string, index: number) => boolean;

/** The engine.io connection as far as counting goes (app.ts drops its request once counted). */
export interface EngineConnection {
  request: IncomingMessage | null;
  once(event: "close", listener: () => void): unknown;
}

export type AddressLimits = Pick<Limits, "socketsPerAddress" | "connectBurstPerAddress" | "connectsPerMinutePerAddress" | "subscribeBurstPerAddress" | "subscribesPerMinutePerAddress">;

/**
 * What one client address may cost this node's live side. Not mainly how many sockets it holds:
 * thousands of mobile readers share one IPv4 address behind carrier-grade NAT, and an idle socket
 * costs little, so MAX_SOCKETS_PER_IP is high. What costs is work, and it is budgeted per address:
 * new connections (IP_CONNECT_BURST, then IP_CONNECTS_PER_MINUTE) and subscriptions, in a
 * handshake or by `subscribe` (IP_SUBSCRIBE_BURST, then IP_SUBSCRIBES_PER_MINUTE); the bytes
 * queued for an address's sockets are budgeted by live/backpressure.ts with `addressOf`.
 *
 * A connection is judged as the engine's connection opens, and counted in the same synchronous
 * step (app.ts), so two connections from one address cannot both take its last place; a refused
 * one is closed at once, uncounted. The address is Express's `req.ip`, X-Forwarded-For included
 * only from proxies TRUST_PROXY trusts.
 */
export class SocketsPerAddress {
  readonly #open = new Map<string, number>();
  /** Addresses already reported full, so that a client hammering the limit logs one line. */
  readonly #reported = new Set<string>();
  /** The address each counted connection came from (its request is let go once counted). */
  readonly #addresses = new WeakMap<object, string>();
  readonly #connects: AddressBuckets;
  readonly #subscribes: AddressBuckets;

  constructor(
    private readonly limits: AddressLimits,
    private readonly trust: TrustProxy,
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#connects = new AddressBuckets(limits.connectBurstPerAddress, limits.connectsPerMinutePerAddress);
    this.#subscribes = new AddressBuckets(limits.subscribeBurstPerAddress, limits.subscribesPerMinutePerAddress);
  }

  /** Why one more socket from this request's address may not open now; undefined when it may (and it takes a connection token). */
  refusal(req: IncomingMessage): ConnectionRefusal | undefined {
    const address = this.#addressOf(req);
    if ((this.#open.get(address) ?? 0) >= this.limits.socketsPerAddress) {
      if (!this.#reported.has(address)) {
        this.#reported.add(address);
        // Behind a proxy without TRUST_PROXY every reader shares the proxy's address: say so.
        this.log.warn({ address, max: this.limits.socketsPerAddress }, "refusing sockets from an address at MAX_SOCKETS_PER_IP (behind a proxy, set TRUST_PROXY)");
      }
      return { code: "too_many_connections", message: "Too many connections from this address." };
    }
    const waitMs = this.#connects.take(address, this.now());
    return waitMs === 0 ? undefined : rateLimited(waitMs, "new connections");
  }

  /**
   * Takes `count` subscriptions from the budget of the address `connection` came from: 0, or the
   * milliseconds to wait (nothing taken). A connection not counted here (none in unit tests of the
   * handlers) is not budgeted.
   */
  subscriptions(connection: object, count: number): number {
    const address = this.#addresses.get(connection);
    return address === undefined || count === 0 ? 0 : this.#subscribes.take(address, this.now(), count);
  }

  /** The client address a counted connection came from. */
  addressOf(connection: object): string | undefined {
    return this.#addresses.get(connection);
  }

  /** Counts a new connection until it closes; call while its request is still attached. */
  track(connection: EngineConnection): void {
    const address = this.#addressOf(connection.request!);
    this.#addresses.set(connection, address);
    this.#open.set(address, (this.#open.get(address) ?? 0) + 1);
    connection.once("close", () => {
      const left = this.#open.get(address)! - 1;
      if (left > 0) this.#open.set(address, left);
      else this.#open.delete(address);
      this.#reported.delete(address);
    });
  }

  #addressOf(req: IncomingMessage): string {
    return proxyaddr(req, this.trust);
  }
}

/** A refusal for going past one of an address's rates, with the seconds to wait. */
export function rateLimited(waitMs: number, what: string): ConnectionRefusal & { code: "rate_limited" } {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return { code: "rate_limited", message: `Too many ${what} from this address; retry in ${retryAfter} s.`, details: { retryAfter } };
}
