import { createPublicKey } from "node:crypto";

/**
 * Whether a subscription's `p256dh` is a point on P-256 (RFC 8291 encrypts to it): a key of the
 * right length that is not one would only fail later, at every alert.
 */
export function isP256PublicKey(base64url: string): boolean {
  const raw = Buffer.from(base64url, "base64url");
  if (raw.length !== 65 || raw[0] !== 0x04) return false;
  try {
    createPublicKey({ key: { kty: "EC", crv: "P-256", x: raw.subarray(1, 33).toString("base64url"), y: raw.subarray(33).toString("base64url") }, format: "jwk" });
    return true;
  } catch {
    return false;
  }
}
