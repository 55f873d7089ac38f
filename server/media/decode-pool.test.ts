import sharp from "sharp";
import { afterEach, describe, expect, it, vi } from "vitest";
import { noisyJpeg } from "../test/images.js";
import { DECODE_CHILDREN, DecodePool } from "./decode-pool.js";

const MB = 1024 * 1024;
const pools: DecodePool[] = [];
const poolOf = (memoryMb: number, timeoutMs = 60_000) => {
  const pool = new DecodePool({ memoryBytes: memoryMb * MB, timeoutMs });
  pools.push(pool);
  return pool;
};
afterEach(() => pools.splice(0).forEach((pool) => pool.close()));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("DecodePool: uploads decoded in children with a hard memory limit and a time limit", () => {
  it("a decode past the memory limit is refused (413), the spent child replaced, and the next photo processed", async () => {
    // 16 Mpx 8-bit AVIF passes the header's judgement, and libheif needs ~600 MB of address space for it.
    const avif = await sharp({ create: { width: 4000, height: 4000, channels: 3, background: "#234567" } }).avif({ effort: 0 }).toBuffer();
    const photo = await noisyJpeg(1200, 900);
    const pool = poolOf(400);
    let ran: number[] = [];
    const refused = pool.process(avif);
    await vi.waitFor(() => expect((ran = pool.pids)).not.toEqual([]));
    await expect(refused).rejects.toMatchObject({ code: "image_too_large", message: expect.stringMatching(/more memory/) });
    expect(alive(ran[0]!)).toBe(false);
    const { image, variants } = await pool.process(photo);
    expect(image).toMatchObject({ width: 1200, height: 900 });
    expect(variants).toHaveLength(9);
    expect(Buffer.isBuffer(variants[0]!.bytes)).toBe(true);
    // Kept for the next upload, with at most one more started in advance.
    expect(pool.pids.length).toBeGreaterThanOrEqual(1);
    expect(pool.pids.length).toBeLessThanOrEqual(DECODE_CHILDREN);
  }, 60_000);

  it("a decode past the time limit is killed and refused (413)", async () => {
    const pool = poolOf(640, 150);
    const photo = await noisyJpeg(1200, 900);
    // The child starts (untimed), then the photo takes far more than 150 ms.
    await expect(pool.process(photo)).rejects.toMatchObject({ code: "image_too_large", message: expect.stringMatching(/longer than/) });
  }, 60_000);

  it("a decoder that crashes takes its child, never this process: 400 invalid_image, and the next upload works", async () => {
    const pool = poolOf(640);
    const photo = await noisyJpeg(1200, 900);
    await pool.process(await noisyJpeg(64, 48)); // children started, idle
    await vi.waitFor(() => expect(pool.pids).toHaveLength(DECODE_CHILDREN));
    const pids = pool.pids;
    const crashed = pool.process(photo);
    // Whichever child took the photo crashes mid-decode.
    for (const pid of pids) process.kill(pid, "SIGSEGV");
    await expect(crashed).rejects.toMatchObject({ code: "invalid_image" });
    expect(pids.filter(alive)).toEqual([]);
    expect((await pool.process(photo)).image.width).toBe(1200);
  }, 60_000);
});
