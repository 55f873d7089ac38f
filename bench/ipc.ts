import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Request/response over Node's IPC channel, between the bench's coordinator and the processes it
 * starts (servers under test, load generators). One concept: `call` in the parent, `answer` in the child.
 */

type Handler = (args: never) => unknown;
interface Request { id: number; type: string; args: unknown }
interface Reply { id: number; ok: boolean; result?: unknown; error?: string }

export interface ChildHandle {
  process: ChildProcess;
  call<T>(type: string, args?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Starts `bench/<script>` with tsx and an IPC channel; resolves once the child answers "ready". */
export async function startChild(script: string, options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<ChildHandle> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    execArgv: ["--import", "tsx", ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let next = 0;
  child.on("message", (message: Reply) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) waiter?.resolve(message.result);
    else waiter?.reject(new Error(`${script}: ${message.error}`));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${script} exited (${code ?? signal})`));
    pending.clear();
  });
  const handle: ChildHandle = {
    process: child,
    call: <T>(type: string, args?: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, type, args } satisfies Request);
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  await handle.call("ready");
  return handle;
}

/** The child's side: answers each request with its handler's (awaited) result. */
export function answer(handlers: Record<string, Handler>): void {
  handlers = { ready: () => true, ...handlers };
  process.on("message", async (request: Request) => {
    const handler = handlers[request.type];
    try {
      if (!handler) throw new Error(`unknown request ${request.type}`);
      const result = await handler(request.args as never);
      process.send!({ id: request.id, ok: true, result } satisfies Reply);
    } catch (error) {
      process.send!({ id: request.id, ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) } satisfies Reply);
    }
  });
  process.on("SIGTERM", () => process.exit(0));
  // The coordinator going away (a crash, Ctrl+C) must not leave servers holding 10k sockets.
  process.on("disconnect", () => process.exit(0));
}
