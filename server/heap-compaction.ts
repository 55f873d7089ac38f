import { setFlagsFromString } from "node:v8";

/**
 * Has every full garbage collection compact V8's old generation, not only the collections V8's
 * heuristics pick. A node covering a story allocates at a steady pace (each version's views,
 * frames and pages replace the last ones), so the old generation fills with pages that are part
 * live, part garbage; by default V8 moves objects off such pages now and then, and gives pages back
 * to the system mostly when the process goes idle (its memory reducer), which a live node never
 * does. Its committed old space then crept up for hours while what lived in it stayed level
 * (issue 28: 64 → 70 MB committed for 58 → 59 MB used in half an hour). Full collections are
 * seconds apart even under load, so compacting at each costs little (docs/performance.md, Soak).
 * Set at startup by server/main.ts and by the bench's servers, which stand for it.
 */
export function compactOnEveryFullGc(): void {
  setFlagsFromString("--compact-on-every-full-gc");
}
