import { pino, type Logger } from "pino";
import pretty from "pino-pretty";
import type { Config } from "./config.js";

export type LogFormat = "json" | "pretty";

/**
 * `LOG_FORMAT=auto` (the default) gives a person at a terminal readable lines and everything else
 * (a pipe, a file, a log collector, the tests' child processes) one JSON object per line.
 */
export function logFormat(setting: Config["logFormat"], stdoutIsTty: boolean): LogFormat {
  if (setting !== "auto") return setting;
  return stdoutIsTty ? "pretty" : "json";
}

/**
 * The process's logger. Pretty lines are written synchronously in this thread (no transport
 * worker), so a fatal line printed just before `process.exit` still reaches the terminal.
 */
export function createLogger(level: Config["logLevel"], format: LogFormat): Logger {
  if (format === "json") return pino({ level });
  return pino({ level }, pretty({ sync: true, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname" }));
}
