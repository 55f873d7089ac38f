import { EventEmitter } from "node:events";
import type { Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { BUSY_GAP_MS, WriteTraffic } from "./write-traffic.js";

describe("WriteTraffic", () => {
  const clock = { now: 0 };
  const request = (traffic: WriteTraffic, method: string) => {
    const res = new EventEmitter();
    let passed = false;
    traffic.track({ method } as Request, res as unknown as Response, () => (passed = true));
    expect(passed).toBe(true);
    return res;
  };

  it("counts a write as waiting from its first turn until it is answered or its client leaves, reads never", () => {
    const traffic = new WriteTraffic(() => clock.now);
    request(traffic, "GET");
    expect(traffic.waiting()).toBe(false);
    const post = request(traffic, "POST");
    const patch = request(traffic, "PATCH");
    expect(traffic.waiting()).toBe(true);
    post.emit("finish");
    post.emit("close"); // a response that finished also closes: counted once
    expect(traffic.waiting()).toBe(true);
    patch.emit("close"); // the client went away before the answer
    expect(traffic.waiting()).toBe(false);
  });

  it("calls the desk busy while writes come closer than BUSY_GAP_MS, calm once they slow or stop", () => {
    clock.now = 10_000;
    const traffic = new WriteTraffic(() => clock.now);
    request(traffic, "POST").emit("finish");
    expect(traffic.busy()).toBe(false); // one write is no burst
    clock.now += BUSY_GAP_MS / 10;
    request(traffic, "POST").emit("finish");
    expect(traffic.busy()).toBe(true);
    clock.now += BUSY_GAP_MS;
    expect(traffic.busy()).toBe(false); // nothing since
    request(traffic, "DELETE").emit("finish");
    expect(traffic.busy()).toBe(false); // a write a second is a newsroom's pace
  });
});
