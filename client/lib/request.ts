import type { ErrorResponse } from "../../shared/api.js";

/**
 * One JSON request to our own API, as every client page makes it: a timeout, and every failure
 * (an error answer, no answer, no answer in time, an unreadable answer) as one typed `ApiFailure`.
 * No Svelte, no DOM beyond fetch.
 */

/** How long a request may go unanswered before the page says so (a stalled server, a dead link). */
export const REQUEST_TIMEOUT_MS = 10_000;

/** An error answer of the API, or no answer at all (status 0), as one typed value to show and branch on. */
export class ApiFailure extends Error {
  override readonly name = "ApiFailure";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Seconds to wait, from `Retry-After` (429). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  /**
   * The request may or may not have been carried out: it left, but no answer came back (the network
   * dropped, or the server did not answer in time), or a proxy in front says it lost the server's
   * (502 Bad Gateway, 504 Gateway Timeout: nginx's answer when a node stops during a rolling
   * restart with the request already on its way). Only a retry with the same Idempotency-Key is safe.
   */
  get outcomeUnknown(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 504;
  }

  /** Field problems of a `validation_failed` answer, when the server named them. */
  get issues(): { path: string; message: string }[] {
    const issues = (this.details as { issues?: unknown } | undefined)?.issues;
    return Array.isArray(issues) ? issues.filter((i): i is { path: string; message: string } => typeof i?.message === "string") : [];
  }

  /** `details.currentVersion` of a 412. */
  get currentVersion(): number | undefined {
    const version = (this.details as { currentVersion?: unknown } | undefined)?.currentVersion;
    return typeof version === "number" ? version : undefined;
  }
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export interface JsonRequest {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The caller's own abort (leaving the page): rethrown as the AbortError it is. */
  signal?: AbortSignal | undefined;
  timeoutMs?: number;
}

/** Sends one request and parses the JSON answer; anything but a 2xx throws `ApiFailure`. */
export async function requestJson<T>(url: string, { method = "GET", body, headers = {}, signal, timeoutMs = REQUEST_TIMEOUT_MS }: JsonRequest = {}): Promise<T> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await globalThis.fetch(url, {
      method,
      headers: { Accept: "application/json", ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
      credentials: "same-origin",
      // Story JSON and entry pages carry stale-while-revalidate for shared caches (DESIGN.md §6), and
      // browsers honour it too: without this, the desk's conflict check and a reader's refresh of
      // older entries could be answered from the browser's stale copy. A revalidation costs a 304.
      cache: "no-cache",
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    text = await response.text();
  } catch (error) {
    if (timeout.aborted) {
      throw new ApiFailure(0, "timeout", `The server did not answer within ${Math.round(timeoutMs / 1000)} seconds.`);
    }
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiFailure(0, "network_error", "Could not reach the server. Check the connection and try again.", { cause: String(error) });
  }
  return answerOf<T>(response.status, response.statusText, text, response.headers.get("Retry-After"));
}

/** An answer's JSON, or the `ApiFailure` it stands for (an error status, or a body that is not JSON). */
export function answerOf<T>(status: number, statusText: string, text: string, retryAfterHeader: string | null): T {
  let json: unknown;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (status < 200 || status > 299) {
    const error = (json as Partial<ErrorResponse> | undefined)?.error;
    const retryAfter = parseRetryAfter(retryAfterHeader);
    throw error && typeof error.code === "string"
      ? new ApiFailure(status, error.code, error.message ?? error.code, error.details, retryAfter)
      : new ApiFailure(status, `http_${status}`, `The server answered ${status} ${statusText}`.trim(), undefined, retryAfter);
  }
  if (text && json === undefined) throw new ApiFailure(status, "unreadable_answer", "The server sent an unreadable answer. Try again.");
  return json as T;
}
