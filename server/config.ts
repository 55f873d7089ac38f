import { resolve } from "node:path";
import { z } from "zod";

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
  PUBLIC_URL: z.url().optional(),
  TICKER_ADMIN_TOKEN: z
    .string()
    .min(16, "must be at least 16 characters")
    // The Authorization header parser accepts only these, so any other token could never sign in.
    .regex(/^[\x21-\x7E]*$/, "may contain only visible ASCII characters (no spaces, control characters or non-ASCII letters)")
    .optional(),
  EMBED_ORIGINS: z.string().default("*"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DEMO_INTERVAL_MS: z.coerce.number().int("must be a whole number of milliseconds").min(0, "must not be negative").default(4000),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  publicUrl: string;
  adminToken?: string;
  /** `*` or a list of origins allowed to open sockets and frame the widget. */
  embedOrigins: "*" | string[];
  logLevel: z.infer<typeof Env>["LOG_LEVEL"];
  /** Pause between updates of `--demo`'s live replay. */
  demoIntervalMs: number;
}

/** Reads DESIGN.md §2's environment variables; throws one readable error listing every bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const origins = e.EMBED_ORIGINS.trim();
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST.includes(":") ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(/\/+$/, ""),
    adminToken: e.TICKER_ADMIN_TOKEN,
    embedOrigins: origins === "*" ? "*" : origins.split(/[\s,]+/).filter(Boolean),
    logLevel: e.LOG_LEVEL,
    demoIntervalMs: e.DEMO_INTERVAL_MS,
  };
}
