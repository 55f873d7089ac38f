import { readFileSync } from "node:fs";
import { connectLive, followStory, type LiveSocket } from "../../client/lib/live-client.js";
import { TOKEN } from "../../server/test/harness.js";

/**
 * What the scenarios that load a node with something besides readers (an alert's send, a flood of
 * questions) measure the readers by: readers following one story on the node, an editor posting an
 * update every UPDATE_EVERY_MS, each update's latency until the last reader has it, the node's
 * event-loop delay p99 and its CPU time.
 */
export const UPDATE_EVERY_MS = 250;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** The node's event-loop delay p99 in ms since the last call (prom-client's, reset at each scrape). */
export async function loopP99(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text)![1]) * 1000;
}

/** Posts an update to the story as the admin token. */
export const postUpdate = (url: string, storyId: string, body: unknown) =>
  fetch(`${url}/api/stories/${storyId}/entries`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });

/** `readers` sockets following the story (into `sockets`, which the caller closes), and the updates measured by them. */
export function followingReaders(url: string, storyId: string, readers: number, sockets: LiveSocket[]) {
  const seenAt = new Map<number, number[]>();
  for (let i = 0; i < readers; i++) {
    const socket = connectLive(url, { transports: ["websocket"] });
    sockets.push(socket);
    followStory(socket, storyId, { onChange: (snapshot) => void (seenAt.get(snapshot.version) ?? seenAt.set(snapshot.version, []).get(snapshot.version)!).push(performance.now()) });
  }
  return {
    /** Posts an update every UPDATE_EVERY_MS while `running()`, and returns each one's latency to the last reader. */
    async updatesWhile(running: () => boolean): Promise<number[]> {
      const posted: { version: number; at: number }[] = [];
      while (running()) {
        const at = performance.now();
        const response = await postUpdate(url, storyId, { body: "An ordinary update.", kind: "update" });
        posted.push({ version: ((await response.json()) as { version: number }).version, at });
        await sleep(UPDATE_EVERY_MS);
      }
      await sleep(1000);
      return posted.map(({ version, at }) => {
        const seen = seenAt.get(version) ?? [];
        return seen.length >= readers ? Math.max(...seen) - at : Number.POSITIVE_INFINITY;
      });
    },
  };
}
