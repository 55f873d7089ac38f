import { createHmac } from "node:crypto";
import { isIPv6 } from "node:net";

/**
 * What stands for a reader's address in the question store and the rate limits: a keyed hash
 * (HMAC-SHA-256 with the installation's question secret), so a leaked database or Redis holds no
 * address, and nobody without the secret can test one against it. An IPv6 address counts by its
 * /64, which one household or phone is given whole.
 */
export function addressKey(secret: string, address: string): string {
  const unmapped = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
  return createHmac("sha256", secret).update(isIPv6(unmapped) ? slash64(unmapped) : unmapped).digest("base64url").slice(0, 22);
}

function slash64(address: string): string {
  const [head = "", tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, "").toLowerCase()).join(":")}::/64`;
}
