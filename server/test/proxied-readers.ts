import { Agent } from "node:http";
import type { Snapshot } from "../../shared/story.js";
import type { ViewName } from "../../shared/view-names.js";
import { connectLive, followStory, type LiveSocket, type StoryFollow } from "../../client/lib/live-client.js";
import { TOKEN } from "./harness.js";

/** Helpers for the suites that run real nodes behind nginx: readers that record what they see, writes, waits. */

/** Resolves when `check` holds, polling; fails naming `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A reader of one story: every version it passes through, in order, and how each arrived. */
export interface RecordingReader {
  socket: LiveSocket;
  follow: StoryFollow;
  versions: number[];
  via: ("snapshot" | "patch")[];
  /** Times (Date.now()) its connection opened, the first included. */
  connects: number[];
  /** Times it set out to reconnect (Socket.IO's jittered backoff decides when). */
  attempts: number[];
  /** True when every version after the first is its predecessor plus one. */
  gapless: () => boolean;
}

export function recordingReader(
  url: string,
  storyId: string,
  options: { transports?: ("websocket" | "polling")[]; initial?: Snapshot; view?: ViewName; localAddress?: string } = {},
): RecordingReader {
  const agent = options.localAddress ? { agent: agentFrom(options.localAddress) as unknown as string } : {};
  const socket = connectLive(url, { transports: options.transports ?? ["websocket"], ...agent });
  const versions: number[] = [];
  const via: ("snapshot" | "patch")[] = [];
  const connects: number[] = [];
  const attempts: number[] = [];
  socket.on("connect", () => connects.push(Date.now()));
  socket.io.on("reconnect_attempt", () => attempts.push(Date.now()));
  const follow = followStory(socket, storyId, {
    ...(options.initial ? { initial: options.initial } : {}),
    ...(options.view ? { view: options.view } : {}),
    onChange: (snapshot, how) => {
      versions.push(snapshot.version);
      via.push(how);
    },
  });
  return { socket, follow, versions, via, connects, attempts, gapless: () => versions.every((version, i) => i === 0 || version === versions[i - 1]! + 1) };
}

/** Loopback answers from all of 127/8: a reader from 127.0.0.7 is another client address to the proxy. */
const agents = new Map<string, Agent>();
function agentFrom(localAddress: string): Agent {
  let agent = agents.get(localAddress);
  if (!agent) agents.set(localAddress, (agent = new Agent({ localAddress, keepAlive: true })));
  return agent;
}

/** An admin-token request to `base` (a node or the proxy); a body makes it a POST unless `method` says otherwise. */
export function adminApi(base: string, path: string, body?: unknown, method = body === undefined ? "GET" : "POST"): Promise<Response> {
  return fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Posts one entry and answers the version it made. */
export async function postEntry(base: string, storyId: string, headline: string): Promise<number> {
  const res = await adminApi(base, `/api/stories/${storyId}/entries`, { headline, body: `About ${headline}.` });
  if (res.status !== 201) throw new Error(`POST entry answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { version: number }).version;
}

/** The snapshot a server-rendered page hydrates with (its `page-props` data block). */
export function pageSnapshot(html: string): Snapshot {
  const props = /<script type="application\/json" id="page-props">(.*?)<\/script>/s.exec(html)?.[1];
  if (!props) throw new Error("the page carries no page-props");
  return (JSON.parse(props) as { snapshot: Snapshot }).snapshot;
}
