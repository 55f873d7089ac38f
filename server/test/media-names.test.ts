/**
 * A photo variant has one URL: `/media/:id/480.jpeg`, never `0480.jpeg` or `00480.jpeg` too (issue
 * 26): every other spelling of a width is a 404, so caches and takedowns deal with one name.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { UploadedMedia } from "../../shared/api.js";
import { startServer, TOKEN, UNTHROTTLED, type TestServer } from "./harness.js";
import { expectError } from "./hostile-assertions.js";
import { noisyJpeg } from "./images.js";

let server: TestServer;
let image: UploadedMedia;

beforeAll(async () => {
  server = await startServer({ env: UNTHROTTLED });
  const res = await fetch(`${server.url}/api/media`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(await noisyJpeg(600, 400)),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  image = (await res.json()) as UploadedMedia;
});
afterAll(async () => {
  await server?.close();
});

it("serves a variant under its one canonical name, and 404 for the same width spelt with leading zeros", async () => {
  expect((await fetch(`${server.url}/media/${image.id}/480.jpeg`)).status).toBe(200);
  for (const file of ["0480.jpeg", "00480.avif", "0480.webp", "0.jpeg", "00000.jpeg"]) {
    await expectError(await fetch(`${server.url}/media/${image.id}/${file}`), 404, "media_not_found");
  }
});
