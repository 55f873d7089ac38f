import { readFileSync } from "node:fs";
import { SERVER_EXEC_ARGV } from "./servers/process-stats.js";

/**
 * How `npm start` runs the server: the environment its command sets and the flags it gives Node.
 * The bench's live-ticker nodes take both from package.json, so they run as an operator's node
 * does instead of a copy of the flags that drifts from it (issue 28: both change the footprint).
 */
export interface StartCommand {
  env: Record<string, string>;
  execArgv: string[];
}

/** Reads the script's last command, of the form `NAME=value … tsx --flag … server/main.ts`. */
export function startCommandOf(script: string): StartCommand {
  const words = script.split("&&").at(-1)!.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let at = 0;
  for (; /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[at] ?? ""); at++) {
    const [name, ...value] = words[at]!.split("=");
    env[name!] = value.join("=");
  }
  if (words[at] !== "tsx") throw new Error(`npm start's last command should run tsx: ${script}`);
  const execArgv: string[] = [];
  for (at++; words[at]?.startsWith("--"); at++) execArgv.push(words[at]!);
  return { env, execArgv };
}

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { scripts: { start: string } };

export const NPM_START = startCommandOf(packageJson.scripts.start);

/** How the bench starts a live-ticker node: as `npm start` does, with the flags every server under test gets. */
export const TICKER_NODE = { execArgv: [...SERVER_EXEC_ARGV, ...NPM_START.execArgv], env: NPM_START.env };
