import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { loadConfig } from "../config.js";
import { ASSETS_DIR, ClientBuild } from "../pages/client-build.js";
import { SqliteStore } from "../store/sqlite-store.js";
import { TOKEN } from "./harness.js";

interface LogLine {
  level: number;
  msg: string;
  req?: { id?: string; url?: string };
  err?: { message?: string };
}

describe("structured logs", () => {
  it("tie every error and warning to its request id, the one the client got in X-Request-Id, and carry no credential", async () => {
    let output = "";
    const sink = new Writable({ write: (chunk, _enc, done) => ((output += chunk.toString()), done()) });
    const dir = mkdtempSync(join(tmpdir(), "live-ticker-logging-"));
    const store = new SqliteStore(join(dir, "live-ticker.db"));
    const app = createApp(loadConfig({ PORT: "0", DATA_DIR: dir, TICKER_ADMIN_TOKEN: TOKEN }), store, { log: pino({ level: "trace" }, sink) });
    const url = `http://127.0.0.1:${await app.listen()}`;
    const lines = () => output.split("\n").filter(Boolean).map((line) => JSON.parse(line) as LogLine);
    const badToken = "lt_not-a-token-of-this-server-0123456789";
    try {
      // The store fails on one story: a 500 whose log must lead back to the request.
      const latest = store.latest.bind(store);
      store.latest = async (storyId) => {
        if (storyId === "broken") throw new Error("disk on fire");
        return latest(storyId);
      };
      const failed = await fetch(`${url}/api/stories/broken`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(failed.status).toBe(500);
      const text = await failed.text();
      expect(text).not.toContain("disk on fire");
      expect(JSON.parse(text)).toMatchObject({ error: { code: "internal_error" } });
      const failedId = failed.headers.get("x-request-id");
      expect(failedId).toMatch(/^[0-9a-f-]{36}$/);

      const refused = await fetch(`${url}/api/stories`, {
        method: "POST",
        headers: { authorization: `Bearer ${badToken}`, "content-type": "application/json" },
        body: JSON.stringify({ title: "Never" }),
      });
      expect(refused.status).toBe(401);
      const refusedId = refused.headers.get("x-request-id");

      const errors = lines().filter((line) => line.level >= 50);
      expect(errors.map((line) => line.msg)).toContain("request failed");
      expect(errors.find((line) => line.msg === "request failed")?.err?.message).toBe("disk on fire");
      for (const line of errors) expect(line.req?.id, JSON.stringify(line)).toBe(failedId);
      const warnings = lines().filter((line) => line.level === 40);
      expect(warnings.length).toBeGreaterThan(0);
      for (const line of warnings) expect(line.req?.id, JSON.stringify(line)).toBe(refusedId);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(badToken);
    expect(output.toLowerCase()).not.toContain("authorization");
  });

  it("logs pages and API calls at info and the built client files only at debug", async () => {
    let output = "";
    const sink = new Writable({ write: (chunk, _enc, done) => ((output += chunk.toString()), done()) });
    const dir = mkdtempSync(join(tmpdir(), "live-ticker-logging-"));
    const app = createApp(loadConfig({ PORT: "0", DATA_DIR: dir, TICKER_ADMIN_TOKEN: TOKEN }), new SqliteStore(join(dir, "live-ticker.db")), {
      log: pino({ level: "debug" }, sink),
      clientBuild: await ClientBuild.load(),
    });
    const url = `http://127.0.0.1:${await app.listen()}`;
    const bundle = `/assets/${readdirSync(join(ASSETS_DIR, "assets")).find((name) => name.endsWith(".js"))}`;
    try {
      for (const path of ["/", bundle, "/embed.js", "/api/stories", "/assets/no-such-file.js"]) await (await fetch(`${url}${path}`)).arrayBuffer();
      const requests = output
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogLine & { res?: { statusCode: number } })
        .filter((line) => line.msg === "request completed" || line.msg === "request errored");
      const levelOf = (path: string) => requests.find((line) => line.req?.url === path)?.level;
      expect(levelOf("/")).toBe(30);
      expect(levelOf("/api/stories")).toBe(30);
      expect(levelOf(bundle)).toBe(20);
      expect(levelOf("/embed.js")).toBe(20);
      expect(levelOf("/assets/no-such-file.js")).toBe(40); // a missing file is still worth a warning
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
