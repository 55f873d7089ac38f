import { createHash } from "node:crypto";

/** The id of an upload: the same bytes uploaded twice are one stored image. */
export const mediaIdOf = (bytes: Uint8Array): string => `m_${createHash("sha256").update(bytes).digest("hex").slice(0, 32)}`;
