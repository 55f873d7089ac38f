import type { IncomingMessage } from "node:http";

/**
 * Lets go of a reader's HTTP upgrade request once its connection is open. Socket.IO's memory
 * guide says to drop `request` from the Engine.IO socket; engine.io 6.6 also keeps the request in
 * the response object its upgrade path hands to middlewares, which a listener on the TCP socket
 * holds until the socket closes. So the request's headers (with a browser's cookies and user agent,
 * most of its weight) are emptied too: nothing reads them after the handshake, whose Origin check
 * has run by then, and the desk's namespace has kept the credentials it needs (live/desk-channel.ts).
 */
export function releaseUpgradeRequest(connection: { request: IncomingMessage | null }): void {
  const request = connection.request;
  connection.request = null;
  if (!request) return;
  request.headers = {};
  request.rawHeaders = [];
}
