/**
 * Photos are not forever (issue 26 item 3): who uploaded what, per-account quotas, the collection
 * of uploads never published, and an admin's takedown (`DELETE /api/media/:id`) seen by a live reader.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaTakenDown, UploadedMedia } from "../../shared/api.js";
import { MEDIA_FORMATS, MEDIA_WIDTHS, type MediaItem } from "../../shared/media.js";
import { applyPatch, type PatchOp } from "../../shared/patch.js";
import type { Draft } from "../../shared/accounts.js";
import type { ScheduledEntry } from "../../shared/schedule.js";
import type { Snapshot } from "../../shared/story.js";
import { createAccount } from "../auth/accounts-service.js";
import { secretHash } from "../auth/secrets.js";
import { mediaIdOf } from "../media/process-image.js";
import { startServer, TOKEN, UNTHROTTLED, type TestServer } from "./harness.js";
import { expectError } from "./hostile-assertions.js";
import { noisyJpeg } from "./images.js";

const UPLOADS_PER_DAY = 3;
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ env: { ...UNTHROTTLED, MEDIA_UPLOADS_PER_DAY: String(UPLOADS_PER_DAY), MEDIA_MB_PER_ACCOUNT: "1", MEDIA_UNREFERENCED_HOURS: "1" }, mediaSweepMs: 100 });
});
afterAll(async () => {
  await server?.close();
});

const upload = (bytes: Buffer, token = TOKEN) =>
  fetch(`${server.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" }, body: new Uint8Array(bytes) });
async function uploaded(bytes: Buffer, token = TOKEN): Promise<UploadedMedia> {
  const res = await upload(bytes, token);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as UploadedMedia;
}

/** A signed-up account and an API token acting as it. */
async function account(login: string, role: "contributor" | "editor"): Promise<{ id: string; token: string }> {
  const { user } = await createAccount(server.app.store.accounts, login, role);
  await server.app.store.accounts.updateUser(user.id, { mustChangePassword: false });
  const token = `lt_${randomBytes(32).toString("base64url")}`;
  await server.app.store.accounts.createToken({ id: `t_${login}`, name: login, ownerId: user.id, scopes: ["write"], createdAt: new Date().toISOString() }, secretHash(token));
  return { id: user.id, token };
}

const variantUrl = (id: string, name: number, format: string) => `${server.url}/media/${id}/${name}.${format}`;
const photo = (image: UploadedMedia, alt: string) => ({ type: "image" as const, id: image.id, alt });
const showsImage = (media: MediaItem[] | undefined, id: string) => media?.some((item) => item.type === "image" && item.id === id) ?? false;
const latest = async (storyId: string) => (await (await server.api(`/api/stories/${storyId}`)).json()) as Snapshot;

describe("DELETE /api/media/:id", () => {
  it("takes a photo out of every story, draft and scheduled entry, tells live readers in one patch, and answers 410 on its URLs", async () => {
    const [gone, kept] = [await uploaded(await noisyJpeg(640, 480)), await uploaded(await noisyJpeg(600, 400))];
    expect(await server.app.store.media.record(gone.id)).toMatchObject({ uploader: "admin-token", bytes: expect.any(Number) });
    for (const id of ["takedown-a", "takedown-b", "takedown-c"]) expect((await server.api("/api/stories", { body: { id, title: id } })).status).toBe(201);
    const add = async (storyId: string, media: ReturnType<typeof photo>[]) =>
      expect((await server.api(`/api/stories/${storyId}/entries`, { body: { body: `In ${storyId}`, media } })).status).toBe(201);
    await add("takedown-a", [photo(gone, "Gone"), photo(kept, "Kept")]);
    await add("takedown-a", [photo(gone, "Gone again")]);
    await add("takedown-b", [photo(gone, "Gone in b")]);
    await add("takedown-c", [photo(kept, "Kept in c")]);
    const contributor = await account("takedown-contributor", "contributor");
    const draftRes = await fetch(`${server.url}/api/stories/takedown-a/drafts`, {
      method: "POST",
      headers: { authorization: `Bearer ${contributor.token}`, "content-type": "application/json" },
      body: JSON.stringify({ body: "Draft", media: [photo(gone, "In a draft"), photo(kept, "Kept in a draft")] }),
    });
    expect(draftRes.status).toBe(201);
    const { draft } = (await draftRes.json()) as { draft: Draft };
    const publishAt = new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString();
    const scheduledRes = await server.api("/api/stories/takedown-b/entries", { body: { body: "Later", publishAt, media: [photo(gone, "Scheduled")] } });
    expect(scheduledRes.status).toBe(202);
    const { scheduled } = (await scheduledRes.json()) as { scheduled: ScheduledEntry };

    // A live reader of story a, and the photo served (and so held in this node's memory).
    const before = await latest("takedown-a");
    const socket = server.socket();
    const patches: { from: number; to: number; ops: PatchOp[] }[] = [];
    socket.on("patch", (patch) => patches.push(patch));
    expect(await socket.emitWithAck("subscribe", { storyId: "takedown-a", version: before.version })).toEqual({ ok: true, version: before.version });
    expect((await fetch(variantUrl(gone.id, 480, "jpeg"))).status).toBe(200);

    // Only admins; an unknown or malformed id is a 404.
    await expectError(await fetch(`${server.url}/api/media/${gone.id}`, { method: "DELETE", headers: { authorization: `Bearer ${contributor.token}` } }), 403, "forbidden");
    const editor = await account("takedown-editor", "editor");
    await expectError(await fetch(`${server.url}/api/media/${gone.id}`, { method: "DELETE", headers: { authorization: `Bearer ${editor.token}` } }), 403, "forbidden");
    await expectError(await server.api(`/api/media/m_${"0".repeat(32)}`, { method: "DELETE" }), 404, "media_not_found");
    await expectError(await server.api("/api/media/not-an-id", { method: "DELETE" }), 404, "media_not_found");
    expect((await fetch(variantUrl(gone.id, 480, "jpeg"))).status).toBe(200);

    const res = await server.api(`/api/media/${gone.id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as MediaTakenDown;
    expect(body).toEqual({
      id: gone.id,
      removedAt: expect.any(String),
      stories: [
        { id: "takedown-a", version: before.version + 1 },
        { id: "takedown-b", version: expect.any(Number) },
      ],
      drafts: 1,
      scheduled: 1,
    });

    // The reader gets exactly one patch, and it leaves the photo nowhere in the story.
    const deadline = Date.now() + 5000;
    while (patches.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({ from: before.version, to: before.version + 1 });
    const patched = applyPatch(before, patches[0]!.ops);
    expect(patched).toEqual(await latest("takedown-a"));
    expect(Object.values(patched.entries).some((entry) => showsImage(entry.media, gone.id))).toBe(false);
    expect(Object.values(patched.entries).filter((entry) => showsImage(entry.media, kept.id))).toHaveLength(1);
    expect(Object.values((await latest("takedown-b")).entries).some((entry) => showsImage(entry.media, gone.id))).toBe(false);
    const history = (await (await server.api("/api/stories/takedown-a/history")).json()) as { versions: { version: number; summary: string; author: { name: string } }[] };
    expect(history.versions[0]).toMatchObject({ version: before.version + 1, summary: "Photo taken down from 2 entries", author: { name: "Newsroom" } });

    // Drafts and scheduled entries lost it too, and keep the rest.
    const draftAfter = await server.app.store.accounts.draft("takedown-a", draft.id);
    expect(draftAfter!.media).toEqual([expect.objectContaining({ id: kept.id })]);
    expect(draftAfter!.revision).toBe(draft.revision + 1);
    expect(await server.app.store.scheduled.get("takedown-b", scheduled.id)).not.toHaveProperty("media");

    // Every URL answers 410 from now on, this node's memory included; the other photo still serves.
    for (const name of MEDIA_WIDTHS) for (const format of MEDIA_FORMATS) await expectError(await fetch(variantUrl(gone.id, name, format)), 410, "media_removed");
    expect((await fetch(variantUrl(kept.id, 480, "jpeg"))).status).toBe(200);

    // Nobody can bring it back: not in an entry, not by uploading the same bytes again.
    await expectError(await server.api("/api/stories/takedown-c/entries", { body: { body: "Again", media: [photo(gone, "Again")] } }), 400, "unknown_media");
    const original = await server.app.store.media.record(gone.id);
    expect(original?.removedAt).toBe(body.removedAt);

    // A repeat changes nothing more and keeps the first time.
    const again = await server.api(`/api/media/${gone.id}`, { method: "DELETE" });
    expect(await again.json()).toEqual({ id: gone.id, removedAt: body.removedAt, stories: [], drafts: 0, scheduled: 0 });
    socket.disconnect();
  });

  it("still answers 410 after a restart", async () => {
    const restarted = await startServer({ env: UNTHROTTLED });
    try {
      const bytes = await noisyJpeg(320, 240);
      const res = await fetch(`${restarted.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: new Uint8Array(bytes) });
      const image = (await res.json()) as UploadedMedia;
      expect((await restarted.api(`/api/media/${image.id}`, { method: "DELETE" })).status).toBe(200);
      const dataDir = restarted.dataDir;
      await restarted.app.close();
      const again = await startServer({ env: UNTHROTTLED, dataDir });
      try {
        await expectError(await fetch(`${again.url}/media/${image.id}/480.webp`), 410, "media_removed");
        // Uploading the same bytes again is refused: the id is the bytes' hash, and it stays down.
        await expectError(await fetch(`${again.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: new Uint8Array(bytes) }), 410, "media_removed");
      } finally {
        await again.close();
      }
    } finally {
      await restarted.close().catch(() => {});
    }
  });
});

describe("upload quotas", () => {
  it(`refuses an account's upload past ${UPLOADS_PER_DAY} a day with 429 and Retry-After, and never counts the same bytes twice`, async () => {
    const { id, token } = await account("quota-contributor", "contributor");
    const images = await Promise.all(Array.from({ length: UPLOADS_PER_DAY + 1 }, (_, n) => noisyJpeg(100 + n, 80)));
    for (const bytes of images.slice(0, UPLOADS_PER_DAY)) await uploaded(bytes, token);
    const refused = await upload(images[UPLOADS_PER_DAY]!, token);
    const error = await expectError(refused, 429, "upload_quota_exceeded");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(24 * 60 * 60 - 120);
    expect(retryAfter).toBeLessThanOrEqual(24 * 60 * 60);
    expect(error.details).toMatchObject({ limit: UPLOADS_PER_DAY, retryAfter });
    expect(await server.app.store.media.record(mediaIdOf(images[UPLOADS_PER_DAY]!))).toBeUndefined();
    // The same bytes again are the image already stored: answered, not counted.
    expect((await uploaded(images[0]!, token)).id).toBe(mediaIdOf(images[0]!));
    expect((await server.app.store.media.usage(id, new Date(Date.now() - 60_000).toISOString())).recent).toBe(UPLOADS_PER_DAY);
    // Another account is not held back by this one.
    expect((await uploaded(images[UPLOADS_PER_DAY]!, (await account("quota-other", "contributor")).token)).id).toBe(mediaIdOf(images[UPLOADS_PER_DAY]!));
  });

  it("refuses an account whose stored photos take MEDIA_MB_PER_ACCOUNT with 413", async () => {
    const { id, token } = await account("quota-big", "contributor");
    // A megabyte of variants stored by this account already.
    const image = { id: `m_${"c".repeat(32)}`, width: 1600, height: 1200, placeholder: "#000000" };
    await server.app.store.media.putImage(image, [{ name: 1600, format: "jpeg", bytes: randomBytes(1024 * 1024) }], new Date().toISOString(), id);
    const error = await expectError(await upload(await noisyJpeg(90, 60), token), 413, "media_quota_exceeded");
    expect(error.details).toMatchObject({ limitBytes: 1024 * 1024, storedBytes: 1024 * 1024 });
    // Taking it down frees the room.
    expect((await server.api(`/api/media/${image.id}`, { method: "DELETE" })).status).toBe(200);
    await uploaded(await noisyJpeg(90, 60), token);
  });
});

describe("uploads never published", () => {
  it("are collected once older than MEDIA_UNREFERENCED_HOURS; those a draft shows, published ones (also edited out since) and young ones stay", async () => {
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 60 * 60 * 1000).toISOString();
    const variants = [{ name: 480 as const, format: "jpeg" as const, bytes: randomBytes(500) }];
    const old = (n: number) => ({ id: `m_${String(n).repeat(32)}`, width: 480, height: 320, placeholder: "#102030" });
    // 1 and 2 pass the hour in 3 s, time enough to be put in an entry and a draft (the sweep runs every 100 ms).
    const comesOfAge = Date.now() + 3000;
    for (const n of [1, 2, 5]) await server.app.store.media.putImage(old(n), variants, hoursAgo(1 - 3 / 3600), "admin-token");
    expect((await server.api("/api/stories", { body: { id: "sweep", title: "Sweep" } })).status).toBe(201);
    expect((await server.api("/api/stories/sweep/entries", { body: { body: "Shown", media: [{ type: "image", id: old(1).id, alt: "Shown" }] } })).status).toBe(201);
    // Published, then edited out: version 2 still shows it.
    const shown = await server.api("/api/stories/sweep/entries", { body: { body: "Shown once", media: [{ type: "image", id: old(5).id, alt: "Once" }] } });
    const { entry } = (await shown.json()) as { entry: { id: string } };
    expect((await server.api(`/api/stories/sweep/entries/${entry.id}`, { method: "PATCH", body: { media: [] } })).status).toBe(200);
    const { token } = await account("sweep-contributor", "contributor");
    const draft = await fetch(`${server.url}/api/stories/sweep/drafts`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ body: "Draft", media: [{ type: "image", id: old(2).id, alt: "In a draft" }] }),
    });
    expect(draft.status).toBe(201);
    expect(Date.now()).toBeLessThan(comesOfAge);
    await server.app.store.media.putImage(old(3), variants, hoursAgo(2), "admin-token");
    await server.app.store.media.putImage(old(4), variants, hoursAgo(0.5), "admin-token");

    const deadline = Date.now() + 5000;
    while ((await server.app.store.media.record(old(3).id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await server.app.store.media.record(old(3).id)).toBeUndefined();
    await expectError(await fetch(variantUrl(old(3).id, 480, "jpeg")), 404, "media_not_found");
    // Sweeps after 1 and 2 came of age leave them: something shows them.
    while (Date.now() < comesOfAge + 500) await new Promise((r) => setTimeout(r, 100));
    for (const n of [1, 2, 4, 5]) expect(await server.app.store.media.image(old(n).id)).toEqual(old(n));
  });
});
