import { connect } from "node:net";
import pg from "pg";

/**
 * The external services some suites need (PostgreSQL, Redis). Locally a missing service skips
 * those suites with a warning; in CI (`CI` set) it fails them, so that nothing is silently untested.
 *
 *   const hasPostgres = await requireService("postgres");
 *   describe.skipIf(!hasPostgres)("…", () => { … });
 */
export type ServiceKind = "postgres" | "redis";

const TIMEOUT_MS = 2_000;

export const postgresUrl = (): string => process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
export const redisUrl = (): string => process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379";

/** Whether the service answers; never throws. */
export async function serviceAvailable(kind: ServiceKind): Promise<boolean> {
  return (await probe(kind)) === undefined;
}

/**
 * True when the service answers. Otherwise throws in CI, and elsewhere warns
 * `Skipping <kind> tests: <reason>` and returns false.
 */
export async function requireService(kind: ServiceKind): Promise<boolean> {
  const reason = await probe(kind);
  if (reason === undefined) return true;
  if (process.env.CI) throw new Error(`The ${kind} service is missing (CI needs it for these tests): ${reason}`);
  console.warn(`Skipping ${kind} tests: ${reason}`);
  return false;
}

const cache = new Map<ServiceKind, Promise<string | undefined>>();

/** Undefined if the service answers, else why not. Probed once per test file. */
function probe(kind: ServiceKind): Promise<string | undefined> {
  let result = cache.get(kind);
  if (!result) {
    result = (kind === "postgres" ? probePostgres() : probeRedis()).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)) || "unreachable",
    );
    cache.set(kind, result);
  }
  return result;
}

async function probePostgres(): Promise<void> {
  const url = postgresUrl();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS, query_timeout: TIMEOUT_MS });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(`no PostgreSQL at ${redact(url)} (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A raw RESP exchange: (AUTH if the URL has a password, then) PING, expecting +PONG. No client library. */
function probeRedis(): Promise<void> {
  const url = new URL(redisUrl());
  const host = url.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
  const port = Number(url.port || 6379);
  const where = `${host}:${port}`;
  if (url.protocol !== "redis:") return Promise.reject(new Error(`cannot probe ${url.protocol} URLs (${where})`));
  const command = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
  const password = decodeURIComponent(url.password);
  const username = decodeURIComponent(url.username);
  const auth = password ? (username ? command("AUTH", username, password) : command("AUTH", password)) : "";

  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = "";
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`no Redis at ${where} (timed out after ${TIMEOUT_MS} ms)`)), TIMEOUT_MS);
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${auth}PING\r\n`));
    socket.on("data", (chunk: string) => {
      received += chunk;
      const lines = received.split("\r\n").slice(0, -1);
      const failure = lines.find((line) => line.startsWith("-"));
      if (failure) finish(new Error(`Redis at ${where} answered ${failure.slice(1)}`));
      else if (lines.includes("+PONG")) finish();
    });
    socket.on("error", (error) => finish(new Error(`no Redis at ${where} (${error.message})`)));
    socket.on("close", () => finish(new Error(`Redis at ${where} closed the connection`)));
  });
}

/** A URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "the configured URL";
  }
}
