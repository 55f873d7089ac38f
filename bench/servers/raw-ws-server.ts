import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { answer } from "../ipc.js";
import { processStats } from "./process-stats.js";

/**
 * The baseline: a bare `ws` server. Connections join a group by `?story=`; `POST /broadcast?story=`
 * sends the request body, unchanged, to every connection of the group. No protocol, no snapshot.
 */
const groups = new Map<string, Set<WebSocket>>();
const http = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (req.method !== "POST" || url.pathname !== "/broadcast") return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const message = Buffer.concat(chunks);
    for (const socket of groups.get(url.searchParams.get("story") ?? "") ?? []) socket.send(message, { binary: false });
    res.writeHead(204).end();
  });
});
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: false });
wss.on("connection", (socket, request) => {
  const story = new URL(request.url ?? "/", "http://localhost").searchParams.get("story") ?? "";
  const group = groups.get(story) ?? new Set();
  groups.set(story, group);
  group.add(socket);
  socket.on("close", () => group.delete(socket));
});
await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));

answer({
  url: () => `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
  ...processStats,
});
