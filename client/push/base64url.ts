/** The bytes of a base64url text (a VAPID application server key), as `pushManager.subscribe` takes them. */
export function base64urlBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
