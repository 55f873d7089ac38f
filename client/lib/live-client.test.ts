/** How long a refused reader waits before it tries again (live-client.ts `refusedRetryMs`). */
import { expect, it } from "vitest";
import { refusedRetryMs } from "./live-client.js";

it("waits what the server asked, else backs off from the slowest reconnection pace, doubling up to 5 minutes, with up to as much again at random", () => {
  const full = { code: "too_many_connections" as const, message: "Too many connections from this address." };
  expect([0, 1, 2, 3].map((attempt) => refusedRetryMs(full, attempt, 5_000, 0))).toEqual([5_000, 10_000, 20_000, 40_000]);
  expect(refusedRetryMs(full, 50, 5_000, 0)).toBe(300_000);
  expect(refusedRetryMs(full, 0, 5_000, 0.5)).toBe(7_500);
  const limited = { code: "rate_limited" as const, message: "Too many subscriptions from this address; retry in 30 s.", details: { retryAfter: 30 } };
  expect(refusedRetryMs(limited, 0, 5_000, 0)).toBe(30_000);
  expect(refusedRetryMs(limited, 4, 5_000, 0)).toBe(80_000);
});
