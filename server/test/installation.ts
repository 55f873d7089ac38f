import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { MEDIA_FORMATS, MEDIA_WIDTHS } from "../../shared/media-constants.js";
import type { Snapshot } from "../../shared/story.js";
import { send } from "./accounts-helpers.js";
import { TOKEN } from "./harness.js";
import { noisyJpeg } from "./images.js";
import { adminApi } from "./proxied-readers.js";

/**
 * An installation with something of everything a backup must carry (stories with histories and
 * key figures, photos in entries, an account with its own password, session and API token), and
 * the check that another installation holds the same.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Contents {
  storyIds: string[];
  photoIds: string[];
  editor: { username: string; password: string; cookie: string; token: string };
}

export async function fillInstallation(base: string): Promise<Contents> {
  const photoIds: string[] = [];
  for (const [width, height] of [[640, 480], [1800, 1200]] as const) {
    const res = await fetch(`${base}/api/media`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/octet-stream" },
      body: new Uint8Array(await noisyJpeg(width, height)),
    });
    expect(res.status).toBe(201);
    photoIds.push(((await res.json()) as { id: string }).id);
  }
  const storyIds: string[] = [];
  for (const title of ["Flooding in the river valley", "Count of the vote"]) {
    const created = await adminApi(base, "/api/stories", { title, summary: `Live: ${title.toLowerCase()}.` });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as Snapshot).id;
    storyIds.push(id);
    for (let i = 1; i <= 6; i++) {
      const media = i <= photoIds.length ? [{ type: "image", id: photoIds[i - 1], alt: `Photo ${i} of ${title}` }] : undefined;
      const res = await adminApi(base, `/api/stories/${id}/entries`, { headline: `${title}: update ${i}`, body: `Update ${i}, with **detail**.`, ...(media ? { media } : {}) });
      expect(res.status).toBe(201);
    }
    expect((await adminApi(base, `/api/stories/${id}/facts/f_level`, { label: "River level", value: "4.2 m" }, "PUT")).status).toBe(200);
  }

  const username = "olena";
  const made = await adminApi(base, "/api/users", { username, role: "editor", displayName: "Olena K." });
  expect(made.status).toBe(201);
  const { password: oneTime } = (await made.json()) as { password: string };
  const first = await send(base, "/api/session", { body: { username, password: oneTime } });
  expect(first.status).toBe(200);
  const cookie = first.setCookies.find((c) => c.startsWith("lt_session="))!.split(";")[0]!;
  const password = "olena-own-password-42";
  expect((await send(base, "/api/session/password", { cookie, body: { currentPassword: oneTime, newPassword: password } })).status).toBe(204);
  const token = await send(base, "/api/tokens", { cookie, body: { name: "wire feed", scopes: ["write", "manage"] } });
  expect(token.status).toBe(201);
  return { storyIds, photoIds, editor: { username, password, cookie, token: token.body.secret as string } };
}

/** Posts to `storyId` until stopped, one write at a time: the versions acknowledged, in order. */
export function keepWriting(base: string, storyId: string): { acknowledged: number[]; stop: () => Promise<void> } {
  const acknowledged: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 1; running; i++) {
      const res = await adminApi(base, `/api/stories/${storyId}/entries`, { body: `Written during the backup, number ${i}.` });
      expect(res.status).toBe(201);
      acknowledged.push(((await res.json()) as { version: number }).version);
    }
  })();
  return {
    acknowledged,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

async function json(base: string, path: string, init: { cookie?: string; bearer?: string } = { bearer: TOKEN }): Promise<unknown> {
  const reply = await send(base, path, init);
  expect(reply.status, `${path} on ${base}`).toBe(200);
  return reply.body;
}

/**
 * Checks that `copy` holds what `original` holds: every story with every version (a story written
 * while the copy was taken, `moving`, up to the version the copy holds, which is at least
 * `atLeast`), every photo's every variant byte for byte, the accounts, the editor's password,
 * session and token.
 */
export async function expectSameInstallation(original: string, copy: string, contents: Contents, moving?: { storyId: string; atLeast: number }): Promise<void> {
  const list = async (base: string) => ((await json(base, "/api/stories")) as { stories: { id: string; version: number }[] }).stories;
  const [before, after] = [await list(original), await list(copy)];
  expect(after.map((story) => story.id).sort()).toEqual(before.map((story) => story.id).sort());
  for (const story of after) {
    const originalVersion = before.find((s) => s.id === story.id)!.version;
    if (story.id === moving?.storyId) {
      expect(story.version).toBeGreaterThanOrEqual(moving.atLeast);
      expect(story.version).toBeLessThanOrEqual(originalVersion);
    } else expect(story.version, story.id).toBe(originalVersion);
    for (let version = 1; version <= story.version; version++) {
      const path = `/api/stories/${story.id}?version=${version}`;
      expect(await json(copy, path), path).toEqual(await json(original, path));
    }
    if (story.id !== moving?.storyId) {
      const path = `/api/stories/${story.id}/history`;
      expect(await json(copy, path), path).toEqual(await json(original, path));
    }
  }
  for (const id of contents.photoIds) {
    for (const width of MEDIA_WIDTHS) {
      for (const format of MEDIA_FORMATS) {
        const path = `/media/${id}/${width}.${format}`;
        const [a, b] = await Promise.all([fetch(original + path), fetch(copy + path)]);
        expect(b.status, path).toBe(a.status);
        expect(Buffer.from(await b.arrayBuffer()).equals(Buffer.from(await a.arrayBuffer())), path).toBe(true);
      }
    }
  }
  expect(await json(copy, "/api/users")).toEqual(await json(original, "/api/users"));
  // The editor's session, token and password all work on the copy, and show the same tokens.
  const { cookie, token, username, password } = contents.editor;
  // (Less when each was last used: reading the list with the token is a use.)
  const tokens = async (base: string, init: { cookie?: string; bearer?: string }) =>
    ((await json(base, "/api/tokens", init)) as { tokens: { lastUsedAt?: string }[] }).tokens.map(({ lastUsedAt: _used, ...token }) => token);
  expect(await tokens(copy, { cookie })).toEqual(await tokens(original, { cookie }));
  expect(await tokens(copy, { bearer: token })).toEqual(await tokens(original, { bearer: token }));
  expect((await send(copy, "/api/session", { body: { username, password } })).status).toBe(200);
}

/** Runs `command args…` in the repository with `env` added; resolves with its exit code and output. */
export function run(command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete childEnv[name];
      else childEnv[name] = value;
    }
    const child = spawn(command, args, { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
