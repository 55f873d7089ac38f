import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { freePort, stopChild } from "./child-server.js";

const run = promisify(execFile);

/**
 * A Redis server of a test's own, on a free port, with no persistence: a test may stop and
 * restart it without touching the machine's shared Redis (TEST_REDIS_URL) that other suites use.
 */
export class OwnRedis {
  #process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.restart();
    return redis;
  }

  /** Starts it again on the same port (after `kill`); resolves once it answers PING. */
  async restart(): Promise<void> {
    const child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"], {
      stdio: "ignore",
    });
    this.#process = child;
    const deadline = Date.now() + 10_000;
    while (!(await this.answers())) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited with code ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGKILL, as a crash would: no goodbye to its clients. Resolves once it has exited. */
  async kill(): Promise<void> {
    if (this.#process) await stopChild(this.#process, "SIGKILL");
  }

  async answers(): Promise<boolean> {
    const reply = await run("redis-cli", ["-p", String(this.port), "ping"]).catch(() => ({ stdout: "" }));
    return reply.stdout.trim() === "PONG";
  }
}

/**
 * Whether `redis-server` and `redis-cli` can be run here. Missing, a suite that needs them skips
 * with the reason, except under CI, where it fails (as services.ts does for services).
 */
export function requireRedisBinaries(): boolean {
  const missing = ["redis-server", "redis-cli"].filter((binary) => spawnSync(binary, ["--version"]).status !== 0);
  if (missing.length === 0) return true;
  const reason = `${missing.join(" and ")} not found on PATH`;
  if (process.env.CI) throw new Error(`A Redis of the test's own is needed (CI needs it for these tests): ${reason}`);
  console.warn(`Skipping tests that need a Redis of their own: ${reason}`);
  return false;
}
