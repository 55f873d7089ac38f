import type * as Argon2 from "@node-rs/argon2";

/**
 * Password verifications made in this test process. A refusal before argon2 and one after it answer
 * the same 429, so a test that must tell them apart routes the library through `counting`:
 *
 *   vi.mock("@node-rs/argon2", async (original) => (await import("./argon2-count.js")).counting(await original()));
 *
 * The real verification still runs; it is only counted.
 */
let verified = 0;

export const verifications = (): number => verified;

export function counting(argon2: typeof Argon2): typeof Argon2 {
  return {
    ...argon2,
    verify: (...args) => {
      verified++;
      return argon2.verify(...args);
    },
  };
}
