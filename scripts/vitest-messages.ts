import { compileMessages } from "./messages.js";

/** Vitest's global setup: the tests import the compiled messages, which a clean clone does not have yet. */
export default async function setup(): Promise<void> {
  await compileMessages();
}
