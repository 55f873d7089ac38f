import { fileURLToPath } from "node:url";
import type { Child } from "./child-server.js";

/** The module a child server imports (`startChild(…, { imports: [LOOP_DELAY_PROBE] })`) to measure its event loop. */
export const LOOP_DELAY_PROBE = fileURLToPath(new URL("./loop-delay-probe.ts", import.meta.url));

/** What the probe answers to "read", in milliseconds since the last "reset" (see loop-delay-probe.ts). */
export interface LoopDelay {
  heldMs: number;
  delayMs: number;
  gcMs: number;
  cpuMs: number;
}

/** Sends the child's probe "reset" or "read" and waits for its answer. */
export function askProbe(child: Child, message: "reset"): Promise<unknown>;
export function askProbe(child: Child, message: "read"): Promise<LoopDelay>;
export function askProbe(child: Child, message: "reset" | "read"): Promise<unknown> {
  return new Promise((resolve) => {
    child.process.once("message", resolve);
    child.process.send(message);
  });
}
