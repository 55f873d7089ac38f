import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { TOKEN } from "./harness.js";

/** The real server as another OS process: what a crash, a restart or a second process looks like. */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Child {
  process: ChildProcess;
  url: string;
  /** The tails of standard output and error, labelled, for failure messages. */
  output: () => string;
  /** Standard output so far (its last 100 000 characters). */
  stdout: () => string;
}

/** Every child still running, so a suite's afterAll can stop them all. */
export const children = new Set<ChildProcess>();

/** A free TCP port: bind port 0, read the port, close. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node --import tsx server/main.ts` and resolves once it logs "live-ticker listening".
 * `env` overrides the child's environment; a variable set to undefined is removed (e.g. TICKER_ADMIN_TOKEN).
 * `imports` are modules loaded before the server (`--import`), with an IPC channel to talk to them.
 */
export async function startChild(dataDir: string, options: { env?: Record<string, string | undefined>; imports?: string[]; startMs?: number } = {}): Promise<Child> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    TICKER_ADMIN_TOKEN: TOKEN,
    LOG_LEVEL: "info",
    // Tests ask no real platform for an embed's description (server/test/oembed-stand-in.ts stands in for one).
    EMBED_METADATA: "off",
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.PUBLIC_URL;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const imports = (options.imports ?? []).flatMap((module) => ["--import", module]);
  const child = spawn(process.execPath, ["--import", "tsx", ...imports, "server/main.ts"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe", ...(imports.length > 0 ? (["ipc"] as const) : [])],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));

  let stdout = "";
  let stderr = "";
  const output = () => `--- stdout (tail) ---\n${stdout.slice(-4000)}\n--- stderr (tail) ---\n${stderr.slice(-4000)}`;
  const url = await new Promise<string>((resolve, reject) => {
    let pending = "";
    // 60 s by default (a start takes ~3 s alone, far longer beside a whole suite's workers and
    // browsers); a suite that starts several nodes at once may wait longer.
    const startMs = options.startMs ?? 60_000;
    const timer = setTimeout(() => reject(new Error(`server did not start within ${startMs / 1000} s\n${output()}`)), startMs);
    // Keep both pipes drained for the child's whole life, or it blocks on a full pipe.
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stdout = (stdout + text).slice(-100_000);
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        try {
          const record = JSON.parse(line) as { msg?: string; url?: string };
          if (record.msg === "live-ticker listening" && record.url) {
            clearTimeout(timer);
            resolve(record.url);
          }
        } catch {
          /* not a JSON line */
        }
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening (code ${code}, signal ${signal})\n${output()}`));
    });
  });
  return { process: child, url, output, stdout: () => stdout };
}

/** Resolves when the child has exited; kills it with SIGKILL if SIGTERM does not stop it in time. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

