import { setPriority } from "node:os";
import { startChild, type ChildHandle } from "./ipc.js";
import { SERVER_EXEC_ARGV } from "./servers/process-stats.js";
import { TICKER_NODE } from "./start-command.js";

/** The four servers every audience is measured on, each with its own load process. */
export const TARGETS = ["ticker", "raw", "naive", "plain"] as const;
export type Target = (typeof TARGETS)[number];

const SERVERS: Record<Target, { script: string; env?: NodeJS.ProcessEnv }> = {
  ticker: { script: "servers/ticker-server.ts" },
  raw: { script: "servers/raw-ws-server.ts" },
  naive: { script: "servers/socketio-server.ts", env: { BASELINE: "naive" } },
  plain: { script: "servers/socketio-server.ts", env: { BASELINE: "plain" } },
};

export const TARGET_NAMES: Record<Target, string> = { ticker: "live-ticker", raw: "raw ws", naive: "naive Socket.IO", plain: "plain Socket.IO" };

/** The load processes' scheduling priority (nice): below the servers under test and the editor. */
const LOAD_NICENESS = 10;

export interface Running {
  server: ChildHandle;
  load: ChildHandle;
  url: string;
}

/** With `profile`, the server runs with `--cpu-prof`; profiles land in bench/results/profiles. */
export async function startTarget(target: Target, options: { profile?: boolean } = {}): Promise<Running> {
  const profile = options.profile ? ["--cpu-prof", `--cpu-prof-dir=${new URL("results/profiles", import.meta.url).pathname}`] : [];
  const [server, load] = await Promise.all([
    // live-ticker runs as `npm start` runs it; the baselines as Node starts them.
    startChild(SERVERS[target].script, {
      execArgv: [...(target === "ticker" ? TICKER_NODE.execArgv : SERVER_EXEC_ARGV), ...profile],
      env: target === "ticker" ? TICKER_NODE.env : SERVERS[target].env,
    }),
    startChild("load/load-worker.ts"),
  ]);
  // Readers would live on other machines: here they share two cores with the server, and must not
  // crowd out the server or the editor's requests (the same handicap for every target).
  setPriority(load.process.pid!, LOAD_NICENESS);
  return { server, load, url: await server.call<string>("url") };
}

export async function stopTarget(running: Running): Promise<void> {
  await Promise.all([running.load.stop(), running.server.stop()]);
}

/** POSTs `body` to a baseline server's /broadcast (or /snapshot) for `storyId` (HTTP, like the editor's write). */
export async function triggerBroadcast(wsUrl: string, storyId: string, body: string, path = "/broadcast"): Promise<void> {
  const response = await fetch(`${wsUrl.replace(/^ws/, "http")}${path}?story=${storyId}`, { method: "POST", body });
  if (response.status !== 204) throw new Error(`broadcast: ${response.status}`);
}
