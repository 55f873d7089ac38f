/**
 * live/socket-events.ts without sockets: the ack split of whatever arrives from the wire, and
 * every event's token bucket, driven through the middleware limitEvents installs (the clock is
 * vitest's fake `performance`, so the refill is measured, not waited for).
 */
import type { Socket } from "socket.io";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fail, limitEvents, splitAck, type AckResult } from "./socket-events.js";

describe("fail", () => {
  it("makes the error ack, with details only when given", () => {
    expect(fail("bad_request", "No.")).toEqual({ ok: false, error: { code: "bad_request", message: "No." } });
    expect(fail("rate_limited", "Wait.", { retryAfter: 2 })).toEqual({ ok: false, error: { code: "rate_limited", message: "Wait.", details: { retryAfter: 2 } } });
  });
});

describe("splitAck", () => {
  it("takes the last argument as the ack when it is a function, and the first as the payload", () => {
    const acked: AckResult[] = [];
    const { payload, ack } = splitAck([{ storyId: "s" }, (result: AckResult) => acked.push(result)], () => {});
    expect(payload).toEqual({ storyId: "s" });
    ack({ ok: true });
    expect(acked).toEqual([{ ok: true }]);
  });

  it("has no payload when the ack is the only argument", () => {
    const acked: AckResult[] = [];
    const { payload, ack } = splitAck([(result: AckResult) => acked.push(result)], () => {});
    expect(payload).toBeUndefined();
    ack({ ok: true });
    expect(acked).toEqual([{ ok: true }]);
  });

  it("replaces a missing ack (or a non-function last argument) with a no-op", () => {
    expect(splitAck([], () => {}).payload).toBeUndefined();
    const { payload, ack } = splitAck(["a", "b"], () => {});
    expect(payload).toBe("a");
    expect(() => ack({ ok: true })).not.toThrow();
  });

  it("tells every error code to `rejected`, acked or not, and no success", () => {
    const rejected: string[] = [];
    splitAck([() => {}], (code) => rejected.push(code)).ack(fail("not_found", "x"));
    splitAck([{}], (code) => rejected.push(code)).ack(fail("bad_request", "y"));
    splitAck([() => {}], (code) => rejected.push(code)).ack({ ok: true });
    expect(rejected).toEqual(["not_found", "bad_request"]);
  });
});

describe("limitEvents", () => {
  afterEach(() => void vi.useRealTimers());

  type Middleware = (packet: unknown[], next: (error?: Error) => void) => void;
  /** The one part of a Socket.IO socket limitEvents uses: `use`. */
  function limitedSocket(burst: number, perMinute: number, rejected: string[]) {
    let middleware!: Middleware;
    const socket = { use: (fn: Middleware) => void (middleware = fn) } as unknown as Socket;
    limitEvents(socket, { socketEventBurst: burst, socketEventsPerMinute: perMinute }, (code) => rejected.push(code));
    /** Sends one event: "passed" when it went on to its handler, else what it was acked. */
    return (event = "subscribe"): "passed" | AckResult | "dropped" => {
      let outcome: "passed" | AckResult | "dropped" = "dropped";
      middleware([event, { storyId: "s" }, (result: AckResult) => (outcome = result)], () => (outcome = "passed"));
      return outcome;
    };
  }

  it("lets a burst through, then answers rate_limited with the whole seconds until the next token", () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const rejected: string[] = [];
    const send = limitedSocket(3, 60, rejected);
    expect([send(), send(), send()]).toEqual(["passed", "passed", "passed"]);
    expect(send()).toEqual({
      ok: false,
      error: { code: "rate_limited", message: "This connection sent too many events; wait 1 s before the next.", details: { retryAfter: 1 } },
    });
    expect(rejected).toEqual(["rate_limited"]);
  });

  it("refills at SOCKET_EVENTS_PER_MINUTE: one token a second at 60, and never past the burst", () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const send = limitedSocket(2, 60, []);
    expect([send(), send()]).toEqual(["passed", "passed"]);
    vi.advanceTimersByTime(999);
    expect(send()).toMatchObject({ ok: false, error: { code: "rate_limited" } });
    vi.advanceTimersByTime(1);
    expect(send()).toBe("passed");
    vi.advanceTimersByTime(60_000); // a minute idle: back to the burst of 2, not 60
    expect([send(), send(), send()].map((o) => (o === "passed" ? o : "limited"))).toEqual(["passed", "passed", "limited"]);
  });

  it("says how long to wait at a slow refill: 6 a minute is one token every 10 s", () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const send = limitedSocket(1, 6, []);
    expect(send()).toBe("passed");
    expect(send()).toMatchObject({ error: { details: { retryAfter: 10 } } });
    vi.advanceTimersByTime(4_500); // 5.5 s to go: rounded up, never to a wait too short
    expect(send()).toMatchObject({ error: { message: "This connection sent too many events; wait 6 s before the next.", details: { retryAfter: 6 } } });
  });

  it("gives each socket its own bucket", () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const first = limitedSocket(1, 60, []);
    const second = limitedSocket(1, 60, []);
    expect(first()).toBe("passed");
    expect(first()).not.toBe("passed");
    expect(second()).toBe("passed");
  });
});
