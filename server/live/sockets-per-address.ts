import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";
import type { Logger } from "pino";

/** Express's compiled `trust proxy` setting: whether the hop at `index` may name the client. */
export type TrustProxy = (address: string, index: number) => boolean;

/** The engine.io connection as far as counting goes (app.ts drops its request once counted). */
export interface EngineConnection {
  request: IncomingMessage | null;
  once(event: "close", listener: () => void): unknown;
}

/**
 * MAX_SOCKETS_PER_IP: how many Socket.IO connections one client address may hold open on this
 * node. Judged as the engine's connection opens, and counted in the same synchronous step (app.ts),
 * so two connections from one address cannot both take its last place; a refused one is closed at
 * once, uncounted. The address is Express's `req.ip`, X-Forwarded-For included only from proxies
 * TRUST_PROXY trusts.
 */
export class SocketsPerAddress {
  readonly #open = new Map<string, number>();
  /** Addresses already reported full, so that a client hammering the limit logs one line. */
  readonly #reported = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly trust: TrustProxy,
    private readonly log: Logger,
  ) {}

  /** Whether one more socket from this request's address fits. */
  admits(req: IncomingMessage): boolean {
    const address = this.#addressOf(req);
    if ((this.#open.get(address) ?? 0) < this.max) return true;
    if (!this.#reported.has(address)) {
      this.#reported.add(address);
      // Behind a proxy without TRUST_PROXY every reader shares the proxy's address: say so.
      this.log.warn({ address, max: this.max }, "refusing sockets from an address at MAX_SOCKETS_PER_IP (behind a proxy, set TRUST_PROXY)");
    }
    return false;
  }

  /** Counts a new connection until it closes; call while its request is still attached. */
  track(connection: EngineConnection): void {
    const address = this.#addressOf(connection.request!);
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
