/**
 * Storage failure (issue 8): when the data directory cannot be written, every write answers 503
 * `storage_unavailable` with Retry-After, nothing is half-written, the process stays up, reads
 * (REST, pages, Socket.IO subscribe) keep working, and writes work again once the disk does.
 *
 * The conditions are real, made by the kernel under a real server process, not by the server's
 * own code: a tmpfs filled to its last page (ENOSPC → SQLITE_FULL), and an ext4 volume on a loop
 * device that the kernel remounts read-only after a filesystem error (errors=remount-ro, what a
 * failing disk does; SQLite then sees EROFS/EIO). Both need mount(2), so root or CAP_SYS_ADMIN:
 * without it these tests skip with the reason, except under CI, where they fail.
 *
 * A clean `mount -o remount,ro` is not one of them: Linux refuses it (EBUSY) while the server
 * holds the database open for writing. For the same reason the kernel's read-only remount cannot
 * be undone under the running process (the aborted journal needs e2fsck, which needs an unmount),
 * so writes are shown to work again after a restart on the repaired volume.
 */
import Database from "better-sqlite3";
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import type { Ack, ClientToServerEvents, PatchMessage, ServerToClientEvents } from "../../shared/protocol.js";
import type { Snapshot } from "../../shared/story.js";
import { STORAGE_RETRY_AFTER_SECONDS, toApiError } from "../http/errors.js";
import { postgresDiskFailure, PostgresStore } from "../store/postgres-store.js";
import { sqliteDiskFailure } from "../store/sqlite-store.js";
import { StorageUnavailable } from "../store/store.js";
import { children, startChild, stopChild, type Child } from "./child-server.js";
import { TOKEN } from "./harness.js";
import { postgresUrl, requireService } from "./services.js";

type Json = Record<string, any>;
type Reader = Socket<ServerToClientEvents, ClientToServerEvents>;

const STORY = "storage-story";
const PASSWORD = "a password for the fault test";

// ---------------------------------------------------------------------------------------------
// The mechanisms, and what to do without them
// ---------------------------------------------------------------------------------------------

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: "pipe", encoding: "utf8" });
const failure = (error: unknown) => String((error as { stderr?: string }).stderr || (error as Error).message).trim();

/** Why a tmpfs cannot be mounted here, if it cannot. */
function probeTmpfs(): string | undefined {
  if (process.platform !== "linux") return "needs Linux";
  const dir = mkdtempSync(join(tmpdir(), "live-ticker-probe-"));
  try {
    run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]);
    run("umount", [dir]);
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs (${failure(error)}); run as root or with CAP_SYS_ADMIN`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why an ext4 loop volume with the kernel's error trigger cannot be used here, if it cannot. */
function probeExt4Loop(): string | undefined {
  if (process.platform !== "linux") return "needs Linux";
  const volume = Ext4Volume.create(8);
  try {
    if (!existsSync(volume.errorTrigger)) return `the kernel has no ${volume.errorTrigger}`;
    return undefined;
  } catch (error) {
    return `cannot set up an ext4 loop volume (${failure(error)}); needs root, losetup, mkfs.ext4 and e2fsck`;
  } finally {
    volume.destroy();
  }
}

function available(mechanism: string, reason: string | undefined): boolean {
  if (reason === undefined) return true;
  if (process.env.CI) throw new Error(`The storage fault test needs ${mechanism}, and CI must run it: ${reason}`);
  console.warn(`Skipping the storage fault test (${mechanism}): ${reason}`);
  return false;
}

/** Undone in reverse order after the file, whatever happened: children first, then mounts and devices. */
const cleanups: (() => void)[] = [];
afterAll(async () => {
  await Promise.all([...children].map((child) => stopChild(child, "SIGKILL")));
  for (const cleanup of cleanups.reverse()) {
    try {
      cleanup();
    } catch (error) {
      console.warn(`storage fault test cleanup: ${failure(error)}`);
    }
  }
});

/** A tmpfs of `megabytes`, mounted on a fresh directory. */
function mountTmpfs(megabytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), "live-ticker-full-"));
  run("mount", ["-t", "tmpfs", "-o", `size=${megabytes}m,mode=0755`, "tmpfs", dir]);
  cleanups.push(() => {
    run("umount", ["-l", dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Writes zeros into `dir` until the filesystem has not one page left (ENOSPC). Returns the file. */
function fill(dir: string): string {
  const file = join(dir, "filler");
  const fd = openSync(file, "w");
  try {
    for (const size of [1 << 20, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          if (writeSync(fd, chunk) < size) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

/** An ext4 filesystem in an image file on a loop device, mounted with errors=remount-ro. */
class Ext4Volume {
  private constructor(
    readonly dir: string,
    readonly image: string,
    readonly device: string,
  ) {}

  static create(megabytes: number): Ext4Volume {
    const dir = mkdtempSync(join(tmpdir(), "live-ticker-ext4-"));
    const image = `${dir}.img`;
    run("truncate", ["-s", `${megabytes}M`, image]);
    run("mkfs.ext4", ["-q", "-F", "-m", "0", image]);
    const device = run("losetup", ["--find", "--show", image]).trim();
    const volume = new Ext4Volume(dir, image, device);
    volume.mount();
    return volume;
  }

  /** The kernel's own hook to report an ext4 error (fs/ext4/sysfs.c): the same path as a real one. */
  get errorTrigger(): string {
    return `/sys/fs/ext4/${basename(this.device)}/trigger_fs_error`;
  }

  mount(): void {
    run("mount", ["-t", "ext4", "-o", "errors=remount-ro", this.device, this.dir]);
  }

  /** The mount options the kernel reports now, e.g. ["ro", "relatime", …]. */
  options(): string[] {
    const line = readFileSync("/proc/mounts", "utf8").split("\n").find((l) => l.split(" ")[1] === this.dir);
    return line ? line.split(" ")[3]!.split(",") : [];
  }

  /** Whether the kernel has made it read-only: "ro", or since Linux 6.x "emergency_ro" after an error. */
  readOnly(): boolean {
    return this.options().some((option) => option === "ro" || option === "emergency_ro");
  }

  /** Unmounts, repairs what the error left (e2fsck exits 1 when it fixed something) and mounts again. */
  repair(): void {
    run("umount", [this.dir]);
    try {
      run("e2fsck", ["-f", "-y", this.device]);
    } catch (error) {
      if ((error as { status?: number }).status !== 1) throw error;
    }
    this.mount();
  }

  destroy(): void {
    if (this.options().length > 0) run("umount", ["-l", this.dir]);
    run("losetup", ["-d", this.device]);
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.image, { force: true });
  }
}

const canFill = available("a tmpfs to fill", probeTmpfs());
const canBreakExt4 = available("an ext4 loop volume", probeExt4Loop());

// ---------------------------------------------------------------------------------------------
// Talking to the child server
// ---------------------------------------------------------------------------------------------

interface Call {
  method?: string;
  body?: unknown;
  auth?: string | false;
  cookie?: string;
  key?: string;
}

/** One request to the child: the admin token unless `auth` says otherwise; same-site for cookies. */
async function call(child: Child, path: string, init: Call = {}): Promise<{ status: number; headers: Headers; json: Json }> {
  const headers: Record<string, string> = {};
  if (init.auth !== false) headers.authorization = `Bearer ${init.auth ?? TOKEN}`;
  if (init.cookie) headers.cookie = init.cookie;
  if (init.cookie || path === "/api/session") headers["sec-fetch-site"] = "same-origin";
  if (init.key) headers["idempotency-key"] = init.key;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(child.url + path, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Json) : {} };
}

async function ok(child: Child, path: string, init: Call = {}, status = 200): Promise<Json> {
  const res = await call(child, path, init);
  expect(res.status, `${init.method ?? (init.body === undefined ? "GET" : "POST")} ${path}: ${JSON.stringify(res.json)}\n${child.output()}`).toBe(status);
  return res.json;
}

/** What readers and admins can see of the store: it must not move while writes fail. */
async function visibleState(child: Child): Promise<Json> {
  return {
    list: await ok(child, "/api/stories", { auth: false }),
    story: await ok(child, `/api/stories/${STORY}`, { auth: false }),
    history: await ok(child, `/api/stories/${STORY}/history`, { auth: false }),
    users: await ok(child, "/api/users"),
    tokens: await ok(child, "/api/tokens"),
    drafts: await ok(child, `/api/stories/${STORY}/drafts`),
  };
}

/** Every write below must be refused the same way, and say so plainly. */
async function expectStorageUnavailable(child: Child, what: string, path: string, init: Call): Promise<void> {
  const res = await call(child, path, init);
  expect(res.status, `${what}: ${JSON.stringify(res.json)}`).toBe(503);
  expect(res.json.error?.code, what).toBe("storage_unavailable");
  expect(res.json.error?.message).toMatch(/^\S[^\n]*[.!?]$/);
  expect(JSON.stringify(res.json)).not.toMatch(/SQLITE|at .*\.ts:\d+|\/tmp\//); // no internals
  expect(res.headers.get("retry-after"), what).toBe(String(STORAGE_RETRY_AFTER_SECONDS));
}

function reader(child: Child): Reader {
  return connect(child.url, { transports: ["websocket"], reconnection: false });
}
async function subscribe(socket: Reader, storyId: string): Promise<Ack> {
  return socket.timeout(5_000).emitWithAck("subscribe", { storyId });
}

/** Reads that must keep working while the disk refuses writes: REST, history, a page, a new socket. */
async function expectReadsWork(child: Child, version: number): Promise<void> {
  await ok(child, "/healthz", { auth: false });
  const latest = await call(child, `/api/stories/${STORY}`, { auth: false });
  expect(latest.status).toBe(200);
  expect(latest.headers.get("etag")).toBe(`"${version}"`);
  expect((await ok(child, `/api/stories/${STORY}?version=1`, { auth: false })).version).toBe(1);
  expect((await ok(child, `/api/stories/${STORY}/patch?from=1`, { auth: false })).to).toBe(version);
  const page = await fetch(`${child.url}/stories/${STORY}`);
  expect(page.status).toBe(200);
  const socket = reader(child);
  try {
    const snapshot = new Promise<Snapshot>((resolve) => socket.once("snapshot", (message) => resolve(message.snapshot)));
    expect(await subscribe(socket, STORY)).toEqual({ ok: true, version });
    expect((await snapshot).version).toBe(version);
  } finally {
    socket.disconnect();
  }
}

/** After the server has stopped: the file is sound and the story's versions run 1..N without a gap. */
function expectIntactFile(dataDir: string, latestVersion: number): void {
  const db = new Database(join(dataDir, "live-ticker.db"), { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const versions = db.prepare<[string], { version: number }>("SELECT version FROM versions WHERE story_id = ? ORDER BY version").all(STORY);
    expect(versions.map((row) => row.version)).toEqual(Array.from({ length: latestVersion }, (_, i) => i + 1));
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The disk fills up
// ---------------------------------------------------------------------------------------------

describe.skipIf(!canFill)("storage failure: the data disk is full", () => {
  it("refuses every write with 503 storage_unavailable, keeps serving reads, and writes again once there is room", { timeout: 60_000 }, async () => {
    const mountPoint = mountTmpfs(24);
    const dataDir = join(mountPoint, "data");
    const child = await startChild(dataDir);

    // A story, an editor with a session and API tokens, a draft, and an account to change.
    await ok(child, "/api/stories", { body: { id: STORY, title: "Storage story" } }, 201);
    const first = (await ok(child, `/api/stories/${STORY}/entries`, { body: { body: "First update.", pinned: true } }, 201)).entry.id as string;
    await ok(child, `/api/stories/${STORY}/entries`, { body: { body: "Second update." } }, 201);
    const { password: oneTime } = await ok(child, "/api/users", { body: { username: "ed", role: "editor" } }, 201);
    const signIn = await call(child, "/api/session", { auth: false, body: { username: "ed", password: oneTime } });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    await ok(child, "/api/session/password", { auth: false, cookie, body: { currentPassword: oneTime, newPassword: PASSWORD } }, 204);
    const editor = (await ok(child, "/api/tokens", { auth: false, cookie, body: { name: "desk system" } }, 201)).secret as string;
    const spareToken = (await ok(child, "/api/tokens", { auth: false, cookie, body: { name: "spare" } }, 201)).token.id as string;
    const draft = (await ok(child, `/api/stories/${STORY}/drafts`, { auth: editor, body: { body: "A draft." } }, 201)).draft.id as string;
    const victim = (await ok(child, "/api/users", { body: { username: "victim", role: "contributor" } }, 201)).user.id as string;

    const live = reader(child);
    const patches: PatchMessage[] = [];
    live.on("patch", (message) => patches.push(message));
    const { version } = (await subscribe(live, STORY)) as { ok: true; version: number };
    expect(version).toBe(3);
    const before = await visibleState(child);

    // SQLite appends to its write-ahead log; a log already grown (then checkpointed) would be
    // overwritten in place and need no new space. Truncating it (an ordinary checkpoint, from
    // a second connection) makes the very next write need a page the disk no longer has.
    const db = new Database(join(dataDir, "live-ticker.db"), { fileMustExist: true });
    expect(db.pragma("wal_checkpoint(TRUNCATE)")).toEqual([{ busy: 0, log: 0, checkpointed: 0 }]);
    db.close();
    const filler = fill(mountPoint);

    const writes: [string, string, Call][] = [
      ["create a story", "/api/stories", { body: { title: "Another story" } }],
      ["update the story", `/api/stories/${STORY}`, { method: "PATCH", body: { title: "Renamed" } }],
      ["add an entry", `/api/stories/${STORY}/entries`, { body: { body: "Lost?" } }],
      ["add an entry with an Idempotency-Key", `/api/stories/${STORY}/entries`, { body: { body: "Lost?" }, key: "full-disk-1" }],
      ["edit an entry", `/api/stories/${STORY}/entries/${first}`, { method: "PATCH", body: { body: "Edited." } }],
      ["remove an entry", `/api/stories/${STORY}/entries/${first}`, { method: "DELETE" }],
      ["write a draft", `/api/stories/${STORY}/drafts`, { auth: editor, body: { body: "Another draft." } }],
      ["edit a draft", `/api/stories/${STORY}/drafts/${draft}`, { auth: editor, method: "PATCH", body: { body: "Changed." } }],
      ["discard a draft", `/api/stories/${STORY}/drafts/${draft}`, { auth: editor, method: "DELETE" }],
      ["publish a draft", `/api/stories/${STORY}/drafts/${draft}/publish`, { method: "POST" }],
      ["create an account", "/api/users", { body: { username: "newbie", role: "editor" } }],
      ["change a role", `/api/users/${victim}`, { method: "PATCH", body: { role: "editor" } }],
      ["reset a password", `/api/users/${victim}/password`, { method: "POST" }],
      ["delete an account", `/api/users/${victim}`, { method: "DELETE" }],
      // Tokens are made from a signed-in desk (a token cannot make one); revoking is the desk's too.
      ["create an API token", "/api/tokens", { auth: false, cookie, body: { name: "another" } }],
      ["revoke an API token", `/api/tokens/${spareToken}`, { auth: false, cookie, method: "DELETE" }],
      ["sign in", "/api/session", { auth: false, body: { username: "ed", password: PASSWORD } }],
      ["change one's password", "/api/session/password", { auth: false, cookie, body: { currentPassword: PASSWORD, newPassword: `${PASSWORD}!` } }],
      ["sign out", "/api/session", { auth: false, cookie, method: "DELETE" }],
    ];
    for (const [what, path, init] of writes) await expectStorageUnavailable(child, what, path, init);

    await expectReadsWork(child, version);
    await ok(child, `/api/stories/${STORY}/drafts`, { auth: editor }); // a token's read, though its last-use cannot be saved
    await ok(child, "/api/session", { auth: false, cookie }); // and a signed-in editor's
    expect(await visibleState(child)).toEqual(before);
    expect(patches).toEqual([]);
    expect(child.process.exitCode).toBeNull();
    expect(child.output()).toContain("SQLITE_FULL"); // the log says why, for the operator

    // Room again: the same process takes writes, with the next version numbers.
    rmSync(filler);
    const added = await ok(child, `/api/stories/${STORY}/entries`, { body: { body: "Back." }, key: "full-disk-1" }, 201);
    expect(added.version).toBe(version + 1);
    expect((await ok(child, `/api/stories/${STORY}/drafts/${draft}/publish`, { method: "POST" }, 201)).version).toBe(version + 2);
    await ok(child, "/api/tokens", { auth: false, cookie, body: { name: "another" } }, 201);
    await ok(child, "/api/session", { auth: false, body: { username: "ed", password: PASSWORD } });
    await expect.poll(() => patches.map((p) => [p.from, p.to])).toEqual([
      [version, version + 1],
      [version + 1, version + 2],
    ]);
    live.disconnect();

    await stopChild(child.process, "SIGTERM");
    expect(child.process.exitCode, child.output()).toBe(0);
    expectIntactFile(dataDir, version + 2);
  });
});

// ---------------------------------------------------------------------------------------------
// The kernel turns the volume read-only
// ---------------------------------------------------------------------------------------------

describe.skipIf(!canBreakExt4)("storage failure: the kernel remounts the data volume read-only", () => {
  it("refuses writes with 503 storage_unavailable, keeps serving reads, and loses nothing across the repair", { timeout: 60_000 }, async () => {
    const volume = Ext4Volume.create(32);
    cleanups.push(() => volume.destroy());
    const dataDir = join(volume.dir, "data");
    const child = await startChild(dataDir);

    await ok(child, "/api/stories", { body: { id: STORY, title: "Storage story" } }, 201);
    const first = (await ok(child, `/api/stories/${STORY}/entries`, { body: { body: "First update." } }, 201)).entry.id as string;
    const before = await visibleState(child);
    const version = before.story.version as number;
    const live = reader(child);
    const patches: PatchMessage[] = [];
    live.on("patch", (message) => patches.push(message));
    expect(await subscribe(live, STORY)).toEqual({ ok: true, version });

    writeFileSync(volume.errorTrigger, "live-ticker storage fault test\n");
    expect(volume.readOnly(), volume.options().join(",")).toBe(true);

    for (const [what, path, init] of [
      ["create a story", "/api/stories", { body: { title: "Another story" } }],
      ["add an entry", `/api/stories/${STORY}/entries`, { body: { body: "Lost?" }, key: "read-only-1" }],
      ["edit an entry", `/api/stories/${STORY}/entries/${first}`, { method: "PATCH", body: { body: "Edited." } }],
      ["update the story", `/api/stories/${STORY}`, { method: "PATCH", body: { status: "ended" } }],
      ["create an account", "/api/users", { body: { username: "newbie", role: "editor" } }],
    ] as [string, string, Call][]) {
      await expectStorageUnavailable(child, what, path, init);
    }
    await expectReadsWork(child, version);
    expect(await visibleState(child)).toEqual(before);
    expect(patches).toEqual([]);
    expect(child.process.exitCode).toBeNull();
    expect(child.output()).toMatch(/SQLITE_(IOERR|READONLY)/);
    live.disconnect();

    // An operator's repair: stop, fsck, mount, start. Nothing half-written survives it.
    await stopChild(child.process, "SIGTERM");
    expect(child.process.exitCode, child.output()).toBe(0); // a clean shutdown, even on the broken volume
    volume.repair();
    expect(volume.readOnly(), volume.options().join(",")).toBe(false);
    const again = await startChild(dataDir);
    expect(await visibleState(again)).toEqual(before);
    expect((await ok(again, `/api/stories/${STORY}/entries`, { body: { body: "Back." }, key: "read-only-1" }, 201)).version).toBe(version + 1);
    await stopChild(again.process, "SIGTERM");
    expect(again.process.exitCode, again.output()).toBe(0);
    expectIntactFile(dataDir, version + 1);
  });
});

// ---------------------------------------------------------------------------------------------
// The stores' own errors: the driver's disk failures come out as StorageUnavailable
// ---------------------------------------------------------------------------------------------

const stamp = (storyId: string) => ({ type: "create_story" as const, storyId, title: storyId, summary: "", at: new Date().toISOString(), author: { name: "Desk" } });

describe("the stores throw StorageUnavailable for their driver's disk failures, and only for them", () => {
  // Through the SQLite store, the full and read-only disks above; here, which codes count.
  it("SQLite: a database that cannot be written (SQLITE_READONLY), not a constraint", () => {
    const dir = mkdtempSync(join(tmpdir(), "live-ticker-readonly-"));
    try {
      const file = join(dir, "x.db");
      new Database(file).exec("CREATE TABLE t (id INTEGER PRIMARY KEY)").close();
      const attempt = (db: Database.Database) => {
        try {
          db.prepare("INSERT INTO t (id) VALUES (1)").run();
        } catch (caught) {
          return caught;
        } finally {
          db.close();
        }
      };
      expect(sqliteDiskFailure(attempt(new Database(file, { readonly: true })))).toBe("SQLITE_READONLY");
      const db = new Database(file);
      db.prepare("INSERT INTO t (id) VALUES (1)").run();
      const duplicate = attempt(db);
      expect((duplicate as { code: string }).code).toBe("SQLITE_CONSTRAINT_PRIMARYKEY");
      expect(sqliteDiskFailure(duplicate)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("PostgreSQL: the database reports disk_full (SQLSTATE 53100) or a read-only transaction (25006), not a unique violation", async (context) => {
    if (!(await requireService("postgres"))) return context.skip();
    const schema = `lt_storage_${process.pid}`;
    const store = await PostgresStore.open(postgresUrl(), { schema });
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      // The server's own error, raised where a write reaches the table, as a full disk would.
      await client.query(`SET search_path TO ${schema}`);
      await client.query(`CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$`);
      await client.query("CREATE TRIGGER full_disk BEFORE INSERT ON versions FOR EACH ROW EXECUTE FUNCTION full_disk()");
      const error = await store.commit({ storyId: "a", operation: stamp("a") }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StorageUnavailable);
      expect((error as StorageUnavailable).code).toBe("53100");
      expect(toApiError(error)).toMatchObject({ status: 503, code: "storage_unavailable" });
      expect(await store.listStories()).toEqual([]); // rolled back

      await client.query("BEGIN READ ONLY");
      const readOnly = await client.query("CREATE TABLE live_ticker_never (id integer)").catch((caught: unknown) => caught);
      await client.query("ROLLBACK");
      expect(postgresDiskFailure(readOnly)).toBe("25006");
      await client.query("CREATE TEMP TABLE u (id integer PRIMARY KEY)");
      await client.query("INSERT INTO u VALUES (1)");
      const duplicate = await client.query("INSERT INTO u VALUES (1)").catch((caught: unknown) => caught);
      expect((duplicate as { code: string }).code).toBe("23505");
      expect(postgresDiskFailure(duplicate)).toBeUndefined();
    } finally {
      await client.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
      await client.end();
      await store.close();
    }
  });
});
