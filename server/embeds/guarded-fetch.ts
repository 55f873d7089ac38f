import { lookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { isPublicAddress } from "./public-address.js";

/** Why the server did not fetch a URL, or gave up on it: logged, never shown to a reader. */
export class FetchRefused extends Error {}

export interface FetchRules {
  /** EMBED_FETCH_ALLOW: host names or addresses (as written in the URL) that may be private, loopback or plain http. */
  allow: ReadonlySet<string>;
  /** The most bytes the answer may have; past it the connection is dropped. */
  maxBytes: number;
  /** Aborts the fetch (its time limit). */
  signal: AbortSignal;
  /** What the `Accept` header asks for. */
  accept: string;
}

/** A redirect may move within the host it was asked of, this many times. */
const MAX_REDIRECTS = 2;

/**
 * GETs `url` as a server may on a stranger's say-so (issue 34): https only and on the default port
 * (unless the host is on `allow`), no credentials; the name is resolved here and every address it
 * has must be public (unless allowed), and the socket is opened to the address that was checked,
 * so a second lookup (DNS rebinding) cannot swap in another; redirects only to the same host;
 * bounded in bytes and time. Resolves to the body of a 200 answer, or rejects with FetchRefused.
 */
export async function guardedGet(url: URL, rules: FetchRules, redirects = MAX_REDIRECTS): Promise<{ body: Buffer; contentType: string }> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const allowed = rules.allow.has(host);
  if (url.username || url.password) throw new FetchRefused(`${url.origin}: credentials in the URL`);
  if (!(url.protocol === "https:" || (allowed && url.protocol === "http:"))) throw new FetchRefused(`${url.origin}: not https`);
  if (url.port !== "" && !allowed) throw new FetchRefused(`${url.origin}: not the default port`);
  const address = await checkedAddress(host, allowed, rules.signal);
  const response = await get(url, address, rules);
  try {
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      const next = new URL(response.headers.location, url);
      if (redirects === 0) throw new FetchRefused(`${url.origin}: too many redirects`);
      if (next.host !== url.host || next.protocol !== url.protocol) throw new FetchRefused(`${url.origin}: redirect off its host, to ${next.origin}`);
      return await guardedGet(next, rules, redirects - 1);
    }
    if (status !== 200) throw new FetchRefused(`${url.origin}: answered ${status}`);
    return { body: await readBounded(response, rules.maxBytes), contentType: String(response.headers["content-type"] ?? "") };
  } finally {
    response.destroy();
  }
}

/** The address to connect to: the literal one, or one of the name's, once all of them are judged. */
async function checkedAddress(host: string, allowed: boolean, signal: AbortSignal): Promise<{ address: string; family: number }> {
  const family = isIP(host);
  const addresses = family !== 0 ? [{ address: host, family }] : await withSignal(lookup(host, { all: true, verbatim: true }), signal);
  if (addresses.length === 0) throw new FetchRefused(`${host}: no address`);
  const hidden = addresses.find(({ address }) => !isPublicAddress(address));
  if (hidden && !allowed) throw new FetchRefused(`${host}: resolves to ${hidden.address}, which is not a public address`);
  // IPv4 first: many servers have no IPv6 route, and every address was judged alike.
  return addresses.find((candidate) => candidate.family === 4) ?? addresses[0]!;
}

function get(url: URL, { address, family }: { address: string; family: number }, rules: FetchRules): Promise<IncomingMessage> {
  // Node asks this instead of the resolver: the socket goes to the address judged above, while the
  // Host header and TLS (SNI, certificate) still name the host.
  const pinned: LookupFunction = (_name, options, callback) => {
    if (options.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: "GET", agent: false, lookup: pinned, signal: rules.signal, headers: { accept: rules.accept, "user-agent": "live-ticker (oEmbed)" } }, resolve);
    req.on("error", (error) => reject(rules.signal.aborted ? new FetchRefused(`${url.origin}: took too long`) : new FetchRefused(`${url.origin}: ${error.message}`)));
    req.end();
  });
}

function readBounded(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (Number(response.headers["content-length"] ?? 0) > maxBytes) return Promise.reject(new FetchRefused(`answer over ${maxBytes} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    response.on("data", (chunk: Buffer) => {
      bytes += chunk.byteLength;
      if (bytes > maxBytes) {
        response.destroy();
        reject(new FetchRefused(`answer over ${maxBytes} bytes`));
      } else chunks.push(chunk);
    });
    response.on("end", () => resolve(Buffer.concat(chunks)));
    response.on("error", (error) => reject(new FetchRefused(error.message)));
    response.on("close", () => reject(new FetchRefused("connection closed early")));
  });
}

/** `promise`, or a FetchRefused once `signal` aborts (the work itself goes on: its result is dropped). */
export function withSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new FetchRefused("took too long"));
  return new Promise((resolve, reject) => {
    const abort = () => reject(new FetchRefused("took too long"));
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, (error: Error) => reject(new FetchRefused(error.message))).finally(() => signal.removeEventListener("abort", abort));
  });
}
