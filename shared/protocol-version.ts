/**
 * The wire protocol version of DESIGN.md §4; `subscribe` may carry it. In a module of its own so
 * that browser bundles can import it without the zod schemas of protocol.ts.
 */
export const PROTOCOL_VERSION = 1;
export const SUPPORTED_PROTOCOLS: readonly number[] = [1];
/** The desk's own namespace (shared/desk-protocol.ts), here for the same reason. */
export const DESK_NAMESPACE = "/desk";
