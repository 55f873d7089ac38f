/**
 * Issue 26's admission rules through a real server: the same refused bytes are not decoded twice,
 * and one account's uploads take one decoding place, refused past its line with 429 while
 * another account's upload goes through. The decode pool is the real one; a spy counts its
 * work and, in the second test, holds it, so that the lines are full when the test looks.
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createAccount } from "../auth/accounts-service.js";
import { secretHash } from "../auth/secrets.js";
import { DecodePool, TimeRefusal } from "../media/decode-pool.js";
import { startServer, TOKEN, UNTHROTTLED, type TestServer } from "./harness.js";
import { expectError } from "./hostile-assertions.js";
import { hostileImages } from "./hostile-images.js";
import { noisyJpeg } from "./images.js";

let server: TestServer;
const editorToken = `lt_${randomBytes(32).toString("base64url")}`;

beforeAll(async () => {
  server = await startServer({ env: UNTHROTTLED });
  const { user } = await createAccount(server.app.store.accounts, "upload-editor", "editor");
  await server.app.store.accounts.updateUser(user.id, { mustChangePassword: false });
  await server.app.store.accounts.createToken({ id: "t_upload_editor", name: "desk", ownerId: user.id, scopes: ["write"], createdAt: new Date().toISOString() }, secretHash(editorToken));
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const upload = (bytes: Buffer, token = TOKEN) =>
  fetch(`${server.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: new Uint8Array(bytes) });

describe("upload admission through the server", () => {
  it("an image refused once is refused again at once, without decoding it again", async () => {
    const decodes = vi.spyOn(DecodePool.prototype, "process");
    const bomb = (await hostileImages())["avif-12bit-alpha.avif"];
    const first = await expectError(await upload(bomb), 413, "image_too_large");
    expect(decodes).toHaveBeenCalledTimes(1);
    const again = await expectError(await upload(bomb), 413, "image_too_large");
    expect(again).toEqual(first);
    // The second refusal came from memory: the decoder was not asked.
    expect(decodes).toHaveBeenCalledTimes(1);
  }, 60_000);

  it("an upload that ran out of time on a busy server is decoded again when sent again", async () => {
    const photo = await noisyJpeg(90, 30);
    const real = DecodePool.prototype.process;
    const decodes = vi.spyOn(DecodePool.prototype, "process").mockImplementationOnce(async () => {
      throw new TimeRefusal(30_000);
    });
    await expectError(await upload(photo), 413, "image_too_large");
    decodes.mockImplementation(function (this: DecodePool, bytes: Buffer) {
      return real.call(this, bytes);
    });
    expect((await upload(photo)).status).toBe(201);
    expect(decodes).toHaveBeenCalledTimes(2);
  }, 60_000);

  it("one account's eleventh upload at once is 429 with Retry-After, and another account's still goes through", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const real = DecodePool.prototype.process;
    const decodes = vi.spyOn(DecodePool.prototype, "process").mockImplementation(async function (this: DecodePool, bytes: Buffer) {
      await held;
      return real.call(this, bytes);
    });
    const photos = await Promise.all(Array.from({ length: 12 }, (_, n) => noisyJpeg(40 + n, 30)));
    const line = photos.slice(0, 10).map((bytes) => upload(bytes));
    // Until the first is being decoded and the other nine are read and in line.
    await vi.waitFor(() => expect(decodes).toHaveBeenCalledTimes(1));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const refused = await upload(photos[10]!);
    expect(refused.headers.get("retry-after")).toBe("5");
    await expectError(refused, 429, "rate_limited");
    // The editor's upload takes the second decoding place at once: never two of one account's.
    const editor = upload(photos[11]!, editorToken);
    await vi.waitFor(() => expect(decodes).toHaveBeenCalledTimes(2));
    release();
    expect((await editor).status).toBe(201);
    expect((await Promise.all(line)).map((res) => res.status)).toEqual(Array(10).fill(201));
  }, 60_000);
});
