import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { answer } from "../ipc.js";
import { processStats } from "./process-stats.js";

/**
 * What a first attempt would build: Socket.IO with its defaults, and every change broadcast as
 * the story's full snapshot. `POST /broadcast?story=` (body: the snapshot) stores and broadcasts it.
 */
const latest = new Map<string, unknown>();
const http = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (req.method !== "POST" || url.pathname !== "/broadcast") return; // Socket.IO answers its own path
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const storyId = url.searchParams.get("story") ?? "";
    const snapshot: unknown = JSON.parse(Buffer.concat(chunks).toString());
    latest.set(storyId, snapshot);
    io.to(storyId).emit("snapshot", { storyId, snapshot });
    res.writeHead(204).end();
  });
});
const io = new Server(http);
io.on("connection", (socket) => {
  socket.on("subscribe", ({ storyId }: { storyId: string }, ack: (result: unknown) => void) => {
    void socket.join(storyId);
    socket.emit("snapshot", { storyId, snapshot: latest.get(storyId) });
    ack({ ok: true });
  });
});
await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));

answer({
  url: () => `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
  ...processStats,
});
