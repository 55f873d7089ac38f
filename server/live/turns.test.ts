/** live/turns.ts: one caller per turn of the event loop, in order, with I/O polled between two. */
import { expect, it } from "vitest";
import { Turns } from "./turns.js";

it("hands out turns one at a time, in order, each after the loop has polled", async () => {
  const turns = new Turns();
  const order: string[] = [];
  const callers = [0, 1, 2].map(async (n) => {
    await turns.next();
    order.push(`work ${n}`);
    // A timer set during a piece of work and due by its end fires before the next caller's turn.
    setTimeout(() => order.push(`timer after ${n}`), 0);
    for (const start = performance.now(); performance.now() - start < 3; );
  });
  expect(turns.waiting).toBe(3);
  await Promise.all(callers);
  await new Promise((resolve) => setTimeout(resolve, 5));
  expect(order.slice(0, 3)).toEqual(["work 0", "timer after 0", "work 1"]);
  expect(order.filter((step) => step.startsWith("work"))).toEqual(["work 0", "work 1", "work 2"]);
  expect(turns.waiting).toBe(0);
});
