import { describe, expect, it } from "vitest";
import { Gate } from "./gate.js";

describe("Gate", () => {
  it("runs at most `limit` tasks at once, the rest in the order they came, also after a failure", async () => {
    const gate = new Gate(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const task = (n: number) => async () => {
      started.push(n);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      if (n === 3) throw new Error("refused");
      return n;
    };
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, n) => gate.run(task(n))));
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    // The failed task gave its place back: the gate still admits two.
    await Promise.all([gate.run(task(10)), gate.run(task(11))]);
    expect(running).toBe(0);
  });
});
