import { BENCH_TOKEN } from "./servers/ticker-token.js";

/**
 * What the bench's editor posts: entries of a typical live-blog length (a headline and two or
 * three sentences of Markdown), made up from a newsroom vocabulary so that every run is alike.
 */
const PHRASES = [
  "Emergency crews are working through the night at the scene",
  "officials say the figures may still change as reports come in",
  "a spokesperson confirmed the **road closures** will stay in place until morning",
  "residents were advised to stay indoors and follow local guidance",
  "our correspondent on the ground describes long queues at the shelters",
  "the regional administration will give a briefing at [nine o'clock](https://example.org/briefing)",
  "power has been restored to most of the affected districts",
  "engineers are assessing the damage to two bridges over the river",
];

let counter = 0;

/**
 * A new entry's body and headline, about 300 characters in all; with `chars`, the body runs on,
 * sentence by sentence, until both hold at least that many (the longer entries of a wire feed).
 */
export function entryFields(seed = counter++, chars = 0): { headline: string; body: string } {
  const pick = (k: number) => PHRASES[(seed * 7 + k * 3) % PHRASES.length]!;
  const sentence = (k: number) => pick(k).charAt(0).toUpperCase() + pick(k).slice(1) + ".";
  const headline = `Update ${seed}: ${pick(1).split(" ").slice(0, 6).join(" ")}`;
  let body = `${sentence(0)} ${sentence(2)} ${sentence(5)}`;
  for (let k = 6; headline.length + body.length < chars; k++) body += ` ${sentence(k)}`;
  return { headline, body };
}

/** The editor: REST calls with the bench's admin token, failing loudly on any error status. */
export function editor(baseUrl: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${BENCH_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    get: <T>(path: string) => call<T>("GET", path),
    createStory: (id: string, title: string) => call<{ version: number }>("POST", "/api/stories", { id, title, summary: `Live coverage: ${title}` }),
    postEntry: (storyId: string, fields = entryFields()) =>
      call<{ version: number; entry: { id: string } }>("POST", `/api/stories/${storyId}/entries`, fields),
    editEntry: (storyId: string, entryId: string, fields: Record<string, unknown>) =>
      call<{ version: number }>("PATCH", `/api/stories/${storyId}/entries/${entryId}`, fields),
    deleteEntry: (storyId: string, entryId: string) => call<{ version: number }>("DELETE", `/api/stories/${storyId}/entries/${entryId}`),
  };
}

export type Editor = ReturnType<typeof editor>;

/** The Socket.IO event packet a server sends for `event` (what goes in the WebSocket frame). */
export const eventPacket = (event: string, payload: unknown) => `42${JSON.stringify([event, payload])}`;
