import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, stopChild } from "./child-server.js";

/**
 * Debian's nginx in front of real nodes, running the shipped `deploy/nginx.conf` with only its
 * lines marked EDIT changed: its own prefix, configuration, cache and logs in a temp directory,
 * a free port, no root needed, nothing written outside that directory.
 */

export const NGINX = process.env.NGINX_PATH ?? "/usr/sbin/nginx";
export const SHIPPED_CONFIG = fileURLToPath(new URL("../../deploy/nginx.conf", import.meta.url));

/** In CI a missing nginx is a failure; elsewhere the proxy suites skip, saying why (as browser tests do for Chromium). */
export const nginxMissing = !existsSync(NGINX);
if (nginxMissing) {
  if (process.env.CI) throw new Error(`nginx not found at ${NGINX}: .ci/run must install it (apt-get install nginx).`);
  console.warn(`Skipping nginx tests: no nginx at ${NGINX} (apt-get install nginx, or set NGINX_PATH).`);
}

export interface Nginx {
  url: string;
  /** Lines of the access log so far: `<status> <cache status> <upstream address> <request URI>`. */
  accessLog: () => string[];
  stop: () => Promise<void>;
}

/** The shipped site configuration with this test's cache directory, port and nodes in its EDIT lines. */
function siteConfig(options: { cacheDir: string; port: number; nodes: string[] }): string {
  const lines = readFileSync(SHIPPED_CONFIG, "utf8").split("\n");
  const edited: string[] = [];
  let nodesWritten = false;
  const replace = (line: string, pattern: RegExp, replacement: string) => {
    if (!pattern.test(line)) throw new Error(`deploy/nginx.conf changed: no ${pattern} in the EDIT line "${line.trim()}"`);
    return line.replace(pattern, replacement);
  };
  for (const line of lines) {
    if (!line.includes("# EDIT")) {
      edited.push(line);
      continue;
    }
    const trimmed = line.trim();
    if (trimmed.startsWith("proxy_cache_path ")) edited.push(replace(line, /proxy_cache_path \S+/, `proxy_cache_path ${options.cacheDir}`));
    else if (trimmed.startsWith("listen ")) edited.push(replace(line, /listen \S+;/, `listen 127.0.0.1:${options.port};`));
    else if (trimmed.startsWith("server_name ")) edited.push(line);
    else if (trimmed.startsWith("server ")) {
      if (nodesWritten) continue;
      nodesWritten = true;
      for (const node of options.nodes) edited.push(replace(line, /server \S+ /, `server ${new URL(node).host} `));
    } else throw new Error(`deploy/nginx.conf: an EDIT line this test does not know how to fill: "${trimmed}"`);
  }
  if (!nodesWritten) throw new Error("deploy/nginx.conf: no upstream server line marked EDIT");
  return edited.join("\n");
}

/**
 * Starts nginx in front of `nodes` (their base URLs) on `port` (a free one if not given: the
 * nodes' PUBLIC_URL names it, so a suite picks it before starting them) and resolves once it
 * accepts connections.
 */
export async function startNginx(nodes: string[], port?: number): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), "live-ticker-nginx-"));
  for (const dir of ["cache", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"]) mkdirSync(join(prefix, dir), { recursive: true });
  port ??= await freePort();
  writeFileSync(join(prefix, "live-ticker.conf"), siteConfig({ cacheDir: join(prefix, "cache"), port, nodes }));
  // The main configuration a distribution's nginx.conf would be, pointed into the prefix. As
  // root, the workers run as root too: they write the cache in this root-owned temp directory.
  writeFileSync(
    join(prefix, "nginx.conf"),
    `${process.getuid?.() === 0 ? "user root;\n" : ""}daemon off;
worker_processes 1;
worker_rlimit_nofile 16384;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 8192; }
http {
  default_type application/octet-stream;
  log_format cache '$status $upstream_cache_status "$upstream_addr" $request_uri';
  access_log ${prefix}/access.log cache;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  include ${prefix}/live-ticker.conf;
}
`,
  );
  const child = spawn(NGINX, ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "error.log")], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const errorLog = () => (existsSync(join(prefix, "error.log")) ? readFileSync(join(prefix, "error.log"), "utf8").slice(-4000) : "");
  await waitForPort(port, child, () => `${output}\n${errorLog()}`);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    accessLog: () => readFileSync(join(prefix, "access.log"), "utf8").split("\n").filter(Boolean),
    stop: async () => {
      await stopChild(child);
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (code ${child.exitCode})\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within 15 s\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
