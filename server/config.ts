import { resolve } from "node:path";
import { z } from "zod";

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// URL").optional(),
  /** The Redis stream the nodes of one installation share; two installations on one Redis differ here. */
  REDIS_STREAM: z.string().regex(/^[\w:.-]{1,100}$/, "letters, digits, _ : . - only").default("live-ticker"),
  PUBLIC_URL: z.url().optional(),
  TICKER_ADMIN_TOKEN: z
    .string()
    .min(16, "must be at least 16 characters")
    // The Authorization header parser accepts only these, so any other token could never sign in.
    .regex(/^[\x21-\x7E]*$/, "may contain only visible ASCII characters (no spaces, control characters or non-ASCII letters)")
    .optional(),
  EMBED_ORIGINS: z.string().default("*"),
  /** Express "trust proxy": which proxies' X-Forwarded-For to believe (e.g. "loopback", "1"). */
  TRUST_PROXY: z.string().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DEMO_INTERVAL_MS: z.coerce.number().int("must be a whole number of milliseconds").min(0, "must not be negative").default(4000),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  /** From `?schema=` on DATABASE_URL (which is kept without it); default `public`. */
  databaseSchema?: string;
  redisUrl?: string;
  redisStream: string;
  trustProxy?: string;
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
    ...databaseSettings(e.DATABASE_URL),
    redisUrl: e.REDIS_URL,
    redisStream: e.REDIS_STREAM,
    trustProxy: e.TRUST_PROXY,
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST.includes(":") ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(/\/+$/, ""),
    adminToken: e.TICKER_ADMIN_TOKEN,
    embedOrigins: origins === "*" ? "*" : origins.split(/[\s,]+/).filter(Boolean),
    logLevel: e.LOG_LEVEL,
    demoIntervalMs: e.DEMO_INTERVAL_MS,
  };
}

function databaseSettings(url: string | undefined): Pick<Config, "databaseUrl" | "databaseSchema"> {
  if (!url) return { databaseUrl: undefined };
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema");
  if (schema === null) return { databaseUrl: url };
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error("Invalid configuration: DATABASE_URL: ?schema= must be a lowercase identifier");
  parsed.searchParams.delete("schema");
  return { databaseUrl: parsed.toString(), databaseSchema: schema };
}
