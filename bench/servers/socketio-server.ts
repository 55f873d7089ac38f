import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { answer } from "../ipc.js";
import { processStats } from "./process-stats.js";

/**
 * The two Socket.IO baselines, with Socket.IO's defaults and one room per story:
 * - `naive` (BASELINE=naive): what a first attempt would build: every change broadcast as the
 *   story's full snapshot. `POST /broadcast?story=` (body: the snapshot) stores and broadcasts it.
 * - `plain` (BASELINE=plain): plain Socket.IO sending the very patches live-ticker sends, with
 *   none of its machinery: `POST /broadcast?story=` (body: the patch message's JSON) is emitted
 *   to the room with `io.to(room).emit`; `POST /snapshot?story=` sets what a subscriber is sent.
 */
const plain = process.env.BASELINE === "plain";
const latest = new Map<string, unknown>();
const http = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (req.method !== "POST" || (url.pathname !== "/broadcast" && url.pathname !== "/snapshot")) return; // Socket.IO answers its own path
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const storyId = url.searchParams.get("story") ?? "";
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString());
    if (url.pathname === "/snapshot" || !plain) latest.set(storyId, body);
    if (url.pathname === "/broadcast") {
      if (plain) io.to(storyId).emit("patch", body);
      else io.to(storyId).emit("snapshot", { storyId, snapshot: body });
    }
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
