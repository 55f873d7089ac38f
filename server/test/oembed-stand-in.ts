import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { noisyJpeg } from "./images.js";

/** What a stand-in platform answers for one video id (the `v` of the YouTube link asked about). */
export type Answer = (req: IncomingMessage, res: ServerResponse, base: string) => void | Promise<void>;

export interface OembedStandIn {
  /** http://127.0.0.1:PORT */
  base: string;
  /** Every path asked of it, in order (the oEmbed endpoint with its query, thumbnails). */
  requests: string[];
  /** A providers.json naming it as YouTube's oEmbed endpoint: OEMBED_PROVIDERS. */
  providersFile: string;
  /** The env a test server needs to ask it. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** A YouTube link with the 11-character id the stand-in knows the answer by. */
export const videoUrl = (id: string) => `https://www.youtube.com/watch?v=${id}`;

/**
 * A local stand-in for a platform's oEmbed endpoint on 127.0.0.1 (real sockets, real HTTP): it
 * answers each video id as `answers` says, `thumb.jpg` with a real JPEG, and anything else 404.
 * The providers file it writes into `dir` replaces the registry, as an operator's would.
 */
export async function startOembedStandIn(dir: string, answers: Record<string, Answer>, host = "127.0.0.1"): Promise<OembedStandIn> {
  const thumbnail = await noisyJpeg(480, 360);
  const requests: string[] = [];
  let base = "";
  const server: Server = createServer(async (req, res) => {
    requests.push(req.url ?? "");
    const url = new URL(req.url ?? "/", base);
    if (url.pathname === "/thumb.jpg") return void res.writeHead(200, { "content-type": "image/jpeg" }).end(thumbnail);
    const id = url.pathname === "/oembed" ? new URL(url.searchParams.get("url") ?? "https://x/").searchParams.get("v") : null;
    const answer = id ? answers[id] : undefined;
    if (!answer) return void res.writeHead(404).end();
    await answer(req, res, base);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  base = `http://${host}:${(server.address() as AddressInfo).port}`;
  const providersFile = join(dir, "providers.json");
  writeFileSync(
    providersFile,
    JSON.stringify([{ provider_name: "YouTube", provider_url: "https://www.youtube.com/", endpoints: [{ schemes: ["https://*.youtube.com/watch*"], url: `${base}/oembed` }] }]),
  );
  return {
    base,
    requests,
    providersFile,
    env: { EMBED_METADATA: "on", OEMBED_PROVIDERS: providersFile, EMBED_FETCH_ALLOW: host },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** An oEmbed 1.0 answer of a video. */
export const video = (fields: Record<string, unknown>): Answer => (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ version: "1.0", type: "video", provider_name: "YouTube", ...fields }));
};
