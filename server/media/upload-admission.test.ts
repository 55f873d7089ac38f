import { describe, expect, it } from "vitest";
import { DomainError } from "../../shared/error-codes.js";
import { UploadAdmission } from "./upload-admission.js";

/** A task that runs until `release()`, recording who ran alongside whom. */
function tasks() {
  const running = new Set<string>();
  const together: string[][] = [];
  const releases: (() => void)[] = [];
  const task = (name: string) => () => {
    running.add(name);
    together.push([...running].sort());
    return new Promise<string>((resolve) => releases.push(() => (running.delete(name), resolve(name))));
  };
  const releaseAll = async () => {
    while (releases.length > 0 || running.size > 0) {
      releases.splice(0).forEach((release) => release());
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  return { task, together, releaseAll, running };
}

const refusal = (run: () => unknown): DomainError => {
  try {
    run();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error("not refused");
};

describe("UploadAdmission", () => {
  it("processes one upload per account at a time, so ten from one account leave room for another's", async () => {
    const admission = new UploadAdmission({ concurrency: 2, queueLength: 20, perAccount: 10 });
    const { task, together, releaseAll } = tasks();
    const attacker = Array.from({ length: 10 }, (_, n) => admission.run("attacker", task(`a${n}`)));
    const editor = admission.run("editor", task("editor"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The editor runs at once, beside the attacker's first; never two of the attacker's together.
    expect(together).toEqual([["a0"], ["a0", "editor"]]);
    await releaseAll();
    expect(await Promise.all([...attacker, editor])).toHaveLength(11);
    expect(together.every((names) => names.filter((name) => name.startsWith("a")).length <= 1)).toBe(true);
  });

  it("refuses an account's upload past its line with 429 rate_limited and Retry-After", async () => {
    const admission = new UploadAdmission({ concurrency: 2, queueLength: 20, perAccount: 3 });
    const { task, releaseAll } = tasks();
    const queued = Array.from({ length: 3 }, (_, n) => admission.run("a", task(`a${n}`)));
    const error = refusal(() => admission.check("a"));
    expect(error).toMatchObject({ code: "rate_limited", details: { retryAfter: 5 } }); // the HTTP layer sends it as Retry-After (errors.test.ts)
    await expect(admission.run("a", task("a3"))).rejects.toMatchObject({ code: "rate_limited" });
    // Another account is not affected.
    expect(() => admission.check("b")).not.toThrow();
    await releaseAll();
    await Promise.all(queued);
    // The line is free again once its uploads are done.
    expect(() => admission.check("a")).not.toThrow();
  });

  it("refuses past the shared queue with 503 server_busy and Retry-After, and counts a failed task's place back", async () => {
    const admission = new UploadAdmission({ concurrency: 1, queueLength: 2, perAccount: 10 });
    const { task, releaseAll } = tasks();
    const first = admission.run("a", task("a")); // runs
    const waiting = [admission.run("b", task("b")), admission.run("c", task("c"))]; // wait
    const error = refusal(() => admission.check("d"));
    expect(error).toMatchObject({ code: "server_busy", details: { retryAfter: 10 } });
    await releaseAll();
    await Promise.all([first, ...waiting]);
    await expect(admission.run("e", () => Promise.reject(new Error("decoder failed")))).rejects.toThrow("decoder failed");
    expect(() => admission.check("d")).not.toThrow();
    const again = [admission.run("b", task("b")), admission.run("c", task("c")), admission.run("d", task("d"))];
    await releaseAll();
    await Promise.all(again);
  });
});
