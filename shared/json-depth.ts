/**
 * How deeply arrays and objects may nest in anything a client sends (HTTP bodies, socket
 * payloads). Nothing the API takes goes past 3 (an entry's media list of objects); code that
 * walks a value recursively (canonical JSON for Idempotency-Key, validators, encoders) would
 * overflow its stack on the 30 000 levels a 64 KB body can hold.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether `value` nests arrays or objects more than `max` levels deep (a flat object is 1).
 * Iterative, with its own stack, and it stops at the first container past `max`, so it is safe
 * on any parsed value, however deep.
 */
export function nestsDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    if (item.value === null || typeof item.value !== "object") continue;
    const depth = item.depth + 1;
    if (depth > max) return true;
    for (const child of Object.values(item.value)) pending.push({ value: child, depth });
  }
  return false;
}
